import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { newId } from '../../../shared-kernel/ids';
import { CARD_PAYMENT_PROVIDER, CardPaymentProvider } from '../domain/payment-gateway';
import { normalizeReference } from '../domain/rf-reference';
import { inLedgerTx } from './ledger-tx';
import { PaymentIntake } from './payment-intake.service';

/** Card payments: checkout for an open order, and the provider's signed webhook (idempotent by event id). */
@Injectable()
export class CardPayments {
  constructor(
    private readonly orm: MikroORM,
    private readonly intake: PaymentIntake,
    @Inject(CARD_PAYMENT_PROVIDER) readonly provider: CardPaymentProvider,
  ) {}

  /** The customer proves the order with its number and payment reference (both printed on the order confirmation). */
  async checkout(orderNumber: string, paymentReference: string) {
    const em = this.orm.em.fork() as EntityManager;
    return em.transactional(async (tem) => {
      const [o] = await runSql<{ order_id: string; order_number: string; total_minor: string; received_minor: string; currency: string; status: string }>(
        tem,
        `select order_id, order_number, total_minor::text, received_minor::text, currency, status from escrow.order_account where order_number_norm = ? and rf_reference = ?`,
        [normalizeReference(orderNumber), normalizeReference(paymentReference)],
      );
      if (!o) throw DomainError.notFound('ESCROW.ORDER_NOT_FOUND', 'order');
      if (o.status !== 'awaiting-payment') throw new DomainError('ESCROW.ORDER_NOT_PAYABLE', `order is ${o.status}`, 'conflict');
      const amount = BigInt(o.total_minor) - BigInt(o.received_minor);
      const id = newId();
      await runSql(tem, `insert into escrow.card_checkout (id, provider, order_id, amount_minor, currency) values (?, ?, ?, ?, ?)`, [id, this.provider.name, o.order_id, amount.toString(), o.currency]);
      const c = await this.provider.createCheckout({ checkoutId: id, orderId: o.order_id, orderNumber: o.order_number, amount, currency: o.currency });
      return { checkoutId: id, orderId: o.order_id, amount: { minor: amount.toString(), currency: o.currency }, redirectUrl: c.redirectUrl };
    });
  }

  async checkoutById(id: string) {
    const [c] = await runSql<{ id: string; order_id: string; amount_minor: string; currency: string }>(
      this.orm.em.fork() as EntityManager,
      `select id, order_id, amount_minor::text, currency from escrow.card_checkout where id = ?`,
      [id],
    );
    if (!c) throw DomainError.notFound('ESCROW.CHECKOUT_NOT_FOUND', 'checkout');
    return c;
  }

  /** Verifies, de-duplicates (provider, event id) and applies a captured payment — one transaction. */
  async webhook(raw: Buffer, headers: Record<string, string | string[] | undefined>) {
    const ev = this.provider.verifyWebhook(raw, headers);
    return inLedgerTx(this.orm, async (tem) => {
      const fresh = await runSql(tem, `insert into escrow.card_event (provider, event_id, type) values (?, ?, ?) on conflict do nothing returning 1`, [this.provider.name, ev.eventId, ev.type]);
      if (!fresh.length) return { eventId: ev.eventId, duplicate: true };
      if (ev.type !== 'payment.captured') return { eventId: ev.eventId, duplicate: false, ignored: true };
      let orderId = ev.orderId;
      if (ev.checkoutId) {
        const [c] = await runSql<{ order_id: string }>(tem, `select order_id from escrow.card_checkout where id = ?`, [ev.checkoutId]);
        orderId = c?.order_id ?? orderId;
      }
      const [outcome] = await this.intake.apply(tem, [
        {
          method: 'card',
          amount: ev.amount,
          currency: ev.currency,
          remittance: `card ${this.provider.name} ${ev.eventId}`,
          orderIdHint: orderId ?? '00000000-0000-4000-8000-000000000000',
          payerName: ev.payerName,
          payerIban: null,
          receivedAt: new Date(ev.occurredAt && !Number.isNaN(Date.parse(ev.occurredAt)) ? ev.occurredAt : Date.now()),
          provider: this.provider.name,
          providerEventId: ev.eventId,
        },
      ]);
      await runSql(tem, `update escrow.card_event set payment_id = ? where provider = ? and event_id = ?`, [outcome.paymentId, this.provider.name, ev.eventId]);
      return { eventId: ev.eventId, duplicate: false, ...outcome };
    });
  }
}
