/**
 * The Escrow module's public face. Sales consumes PaymentReceived to mark an online order paid; tickets are
 * delivered only after that. Money is `{ minor: string, currency }` as in Sales' contracts.
 */
import type { IntegrationEvent } from '../../../shared-kernel/integration-event';

/** An order's full amount has arrived in the trust account (bank transfer matched, or card payment captured). */
export type PaymentReceived = IntegrationEvent<
  'escrow.PaymentReceived',
  {
    paymentId: string;
    orderId: string;
    orderNumber: string;
    amount: { minor: string; currency: string };
    method: 'bank-transfer' | 'card';
    receivedAt: string;
  }
>;

/** A refund for an order was paid out of escrow (after a cancellation, or an event cancellation). */
export type RefundIssued = IntegrationEvent<
  'escrow.RefundIssued',
  { refundId: string; orderId: string; orderNumber: string; amount: { minor: string; currency: string }; reason: string }
>;

export const ESCROW_EVENTS = {
  PaymentReceived: 'escrow.PaymentReceived',
  RefundIssued: 'escrow.RefundIssued',
} as const;
