import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { DomainError } from '../../../../shared-kernel/domain-error';
import { newId } from '../../../../shared-kernel/ids';
import type { CardCheckout, CardPaymentEvent, CardPaymentProvider } from '../../domain/payment-gateway';

export const SIGNATURE_HEADER = 'x-pt-signature';
/** The development default of ESCROW_CARD_WEBHOOK_SECRET (config/sections/escrow.ts): refused in production. */
const DEV_SECRET = 'development-only-card-webhook-secret';

/** Wire format of the provider's webhook body. */
export interface CardWebhookBody {
  id: string;
  type: string;
  created: string;
  data: { checkoutId?: string; orderId?: string; amount: string; currency: string; payerName?: string };
}

/**
 * Adapter: a sandbox card payment provider with the same webhook contract as a real PSP (Stripe-like): header
 * `x-pt-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, events identified by `id`.
 * `simulateCapture` plays the provider's part: it builds and signs the webhook a real PSP would send.
 */
@Injectable()
export class SandboxCardProvider implements CardPaymentProvider {
  readonly name = 'sandbox';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async createCheckout(input: { checkoutId: string; orderNumber: string }): Promise<CardCheckout> {
    return { checkoutId: input.checkoutId, redirectUrl: `/escrow/sandbox/card/checkouts/${input.checkoutId}` };
  }

  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): CardPaymentEvent {
    const bad = (why: string) => new DomainError('ESCROW.WEBHOOK_SIGNATURE_INVALID', `webhook signature invalid: ${why}`, 'unauthenticated');
    if (this.config.NODE_ENV === 'production' && this.config.ESCROW_CARD_WEBHOOK_SECRET === DEV_SECRET) {
      throw new DomainError('ESCROW.WEBHOOK_NOT_CONFIGURED', 'ESCROW_CARD_WEBHOOK_SECRET is the public development default', 'unavailable');
    }
    const header = headers[SIGNATURE_HEADER];
    if (typeof header !== 'string') throw bad('missing header');
    const parts = Object.fromEntries(header.split(',').map((kv) => kv.trim().split('=', 2) as [string, string]));
    const t = Number(parts.t);
    if (!Number.isInteger(t) || !parts.v1 || !/^[0-9a-f]{64}$/.test(parts.v1)) throw bad('malformed header');
    if (Math.abs(Date.now() / 1000 - t) > this.config.ESCROW_CARD_WEBHOOK_TOLERANCE_S) throw bad('timestamp outside tolerance');
    const expected = this.sign(t, rawBody);
    if (!timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(parts.v1, 'hex'))) throw bad('mismatch');
    let body: CardWebhookBody;
    try {
      body = JSON.parse(rawBody.toString('utf8')) as CardWebhookBody;
    } catch {
      throw new DomainError('ESCROW.WEBHOOK_MALFORMED', 'webhook body is not JSON', 'validation');
    }
    if (typeof body?.id !== 'string' || !body.id || typeof body.data !== 'object' || !/^\d{1,15}$/.test(String(body.data?.amount)) || !/^[A-Z]{3}$/.test(String(body.data?.currency))) {
      throw new DomainError('ESCROW.WEBHOOK_MALFORMED', 'webhook body lacks id, data.amount (minor units) or data.currency', 'validation');
    }
    return {
      eventId: body.id,
      type: body.type === 'payment.captured' || body.type === 'payment.refunded' ? body.type : 'other',
      checkoutId: body.data.checkoutId ?? null,
      orderId: body.data.orderId ?? null,
      amount: BigInt(body.data.amount),
      currency: body.data.currency,
      occurredAt: body.created,
      payerName: body.data.payerName ?? null,
    };
  }

  async refund(): Promise<{ refundReference: string }> {
    return { refundReference: `sandbox-refund-${newId()}` };
  }

  /** The provider's side: the signed webhook for a captured payment. */
  simulateCapture(input: { checkoutId: string; orderId: string; amount: bigint; currency: string; payerName?: string }): { body: string; headers: Record<string, string> } {
    const body: CardWebhookBody = {
      id: `evt_${newId().replace(/-/g, '')}`,
      type: 'payment.captured',
      created: new Date().toISOString(),
      data: { checkoutId: input.checkoutId, orderId: input.orderId, amount: input.amount.toString(), currency: input.currency, payerName: input.payerName },
    };
    const raw = JSON.stringify(body);
    const t = Math.floor(Date.now() / 1000);
    return { body: raw, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: `t=${t},v1=${this.sign(t, Buffer.from(raw))}` } };
  }

  private sign(t: number, raw: Buffer): string {
    return createHmac('sha256', this.config.ESCROW_CARD_WEBHOOK_SECRET).update(`${t}.`).update(raw).digest('hex');
  }
}
