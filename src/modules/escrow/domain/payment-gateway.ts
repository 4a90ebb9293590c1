import type { ParsedStatement } from './statement';

/**
 * Port: where incoming payments come from. Bank-statement adapters (camt.053, MT940) turn a file into booked
 * lines; the card adapter turns a signed provider webhook into a captured payment. One matching pipeline follows.
 */
export interface StatementGateway {
  readonly format: ParsedStatement['format'];
  /** True when the bytes look like this format (used when the uploader does not say). */
  sniff(raw: Buffer): boolean;
  /** Parses the whole file or throws a 4xx DomainError; never yields half a statement. */
  parse(raw: Buffer): ParsedStatement;
}
export const STATEMENT_GATEWAYS = Symbol('STATEMENT_GATEWAYS');

export interface CardPaymentEvent {
  eventId: string;
  type: 'payment.captured' | 'payment.refunded' | 'other';
  checkoutId: string | null;
  orderId: string | null;
  amount: bigint;
  currency: string;
  occurredAt: string;
  payerName: string | null;
}

export interface CardCheckout {
  checkoutId: string;
  redirectUrl: string;
}

/** Port: a card payment provider (PSP). Webhooks are HMAC-signed; events are de-duplicated by their id. */
export interface CardPaymentProvider {
  readonly name: string;
  createCheckout(input: { checkoutId: string; orderId: string; orderNumber: string; amount: bigint; currency: string }): Promise<CardCheckout>;
  /** Verifies the signature over the raw body and parses the event, or throws ESCROW.WEBHOOK_SIGNATURE_INVALID. */
  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): CardPaymentEvent;
  refund(input: { paymentId: string; amount: bigint; currency: string }): Promise<{ refundReference: string }>;
}
export const CARD_PAYMENT_PROVIDER = Symbol('CARD_PAYMENT_PROVIDER');
