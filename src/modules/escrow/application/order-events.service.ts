import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { integrationEvent, Outbox } from '../../../infrastructure/messaging/outbox';
import type { OrderPaid, OrderPlaced } from '../../sales/contracts';
import { ESCROW_EVENT_TYPES, PaymentInstructionsIssued } from '../contracts';
import { Bookings } from '../domain/bookings';
import { normalizeReference, paymentReferenceFromSequence } from '../domain/rf-reference';
import { LedgerWriter } from '../infrastructure/ledger-writer';
import { OrderBook, OrderRow } from './order-book';
import { RefundService } from './refund.service';

type Core = OrderPlaced['payload'] | OrderPaid['payload'];

/**
 * Turns Sales' order facts into escrow bookings. Every method is idempotent on the order's state (and the inbox
 * already de-duplicates by event id), and tolerant of out-of-order delivery (OrderPaid before OrderPlaced).
 */
@Injectable()
export class OrderEventsService {
  constructor(
    private readonly book: OrderBook,
    private readonly ledger: LedgerWriter,
    private readonly refunds: RefundService,
    private readonly outbox: Outbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async placed(em: EntityManager, p: OrderPlaced['payload'], occurredAt: string): Promise<void> {
    const counter = p.paidAtCounter || p.channel.kind !== 'online';
    const created = await this.insertOrder(em, p, counter ? 'awaiting-counter-payment' : 'awaiting-payment', occurredAt, p.customer?.name ?? null, p.paymentDeadline);
    if (!created || counter) return;
    const order = await this.book.get(em, p.orderId, true);
    if (order.total === 0n) {
      // A free online order needs no money: nothing to book, nothing to wait for.
      await runSql(em, `update escrow.order_account set status = 'paid', paid_at = ? where order_id = ?`, [occurredAt, order.orderId]);
      return;
    }
    const sale = Bookings.onlineSale(order);
    await this.ledger.post(em, [sale]);
    const [seq] = await runSql<{ n: string }>(em, `select nextval('escrow.payment_reference_seq')::text n`);
    const reference = paymentReferenceFromSequence(BigInt(seq.n));
    await runSql(em, `update escrow.order_account set sale_entry_id = ?, rf_reference = ? where order_id = ?`, [sale.id, reference, order.orderId]);
    await this.outbox.append(
      em,
      integrationEvent<PaymentInstructionsIssued['type'], PaymentInstructionsIssued['payload']>(
        ESCROW_EVENT_TYPES.PaymentInstructionsIssued,
        {
          orderId: order.orderId,
          orderNumber: order.orderNumber,
          amount: { minor: order.total.toString(), currency: order.currency },
          creditorReference: reference,
          beneficiary: { name: this.config.ESCROW_TRUST_ACCOUNT_NAME, iban: this.config.ESCROW_TRUST_ACCOUNT_IBAN, bic: this.config.ESCROW_TRUST_ACCOUNT_BIC ?? null },
          paymentDeadline: p.paymentDeadline,
        },
        order.organizerId,
      ),
    );
  }

  /** Counter sales are booked when paid (the office now owes the money); online orders were paid through us. */
  async paid(em: EntityManager, p: OrderPaid['payload']): Promise<void> {
    const counter = p.channel.kind !== 'online' || p.payment.method === 'cash' || p.payment.method === 'card-terminal';
    if (!counter) return;
    await this.insertOrder(em, p, 'awaiting-counter-payment', p.paidAt, p.customer?.name ?? null, null);
    const order = await this.book.get(em, p.orderId, true);
    if (order.status !== 'awaiting-counter-payment') return;
    const sale = order.total > 0n ? Bookings.counterSale(order) : null;
    await this.book.markPaid(em, [{ order, paymentId: p.payment.paymentId ?? order.orderId, method: 'card', receivedAt: new Date(p.paidAt) }], sale ? [sale] : [], false);
    if (sale) await runSql(em, `update escrow.order_account set sale_entry_id = ? where order_id = ?`, [sale.id, order.orderId]);
  }

  async expired(em: EntityManager, orderId: string): Promise<void> {
    const order = await this.book.byIds(em, [orderId], true).then((m) => m.get(orderId));
    if (!order || (order.status !== 'awaiting-payment' && order.status !== 'awaiting-counter-payment')) return;
    await this.close(em, order, 'expired');
  }

  async cancelled(em: EntityManager, orderId: string, reason: string): Promise<void> {
    const order = await this.book.byIds(em, [orderId], true).then((m) => m.get(orderId));
    if (!order) return;
    if (order.status === 'awaiting-payment' || order.status === 'awaiting-counter-payment') return this.close(em, order, 'cancelled');
    if (order.status === 'paid') await this.refunds.refundOrder(em, order, order.total, reason);
  }

  async refunded(em: EntityManager, orderId: string, amount: bigint, reason: string): Promise<void> {
    const order = await this.book.byIds(em, [orderId], true).then((m) => m.get(orderId));
    if (!order || order.status !== 'paid') return;
    await this.refunds.refundOrder(em, order, amount, reason);
  }

  /** The event was cancelled: every paid order is refunded from escrow, unpaid ones are closed. */
  async eventCancelled(em: EntityManager, eventId: string, reason: string): Promise<void> {
    const ids = await runSql<{ order_id: string }>(em, `select order_id from escrow.order_account where event_id = ? and status in ('paid', 'awaiting-payment', 'awaiting-counter-payment')`, [eventId]);
    const orders = await this.book.byIds(
      em,
      ids.map((r) => r.order_id),
      true,
    );
    for (const o of orders.values()) {
      if (o.status === 'paid') await this.refunds.refundOrder(em, o, o.total, `event cancelled: ${reason}`);
      else await this.close(em, o, 'cancelled');
    }
  }

  private async close(em: EntityManager, order: OrderRow, to: 'expired' | 'cancelled'): Promise<void> {
    if (order.saleEntryId) await this.ledger.transition(em, [order.saleEntryId], 'voided');
    await runSql(em, `update escrow.order_account set status = ?, updated_at = now() where order_id = ?`, [to, order.orderId]);
    // A partly paid order that closes: what was received stays as an open review item (refund or re-match).
    if (order.received > 0n) await this.refunds.parkReceivedOfClosedOrder(em, order);
  }

  private async insertOrder(em: EntityManager, p: Core, status: string, at: string, customer: string | null, deadline: string | null): Promise<boolean> {
    const prices = p.lines.map((l) => l.price.minor);
    const rows = await runSql(
      em,
      `insert into escrow.order_account (order_id, order_number, order_number_norm, organizer_id, event_id, event_name, event_starts_at, channel, office_id,
                                         currency, total_minor, ticket_prices, status, payment_deadline, customer_name, placed_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::bigint[], ?, ?, ?, ?) on conflict (order_id) do nothing returning 1`,
      [
        p.orderId,
        p.orderNumber,
        normalizeReference(p.orderNumber),
        p.event.organizerId,
        p.event.id,
        p.event.name,
        p.event.startsAt,
        p.channel.kind,
        p.channel.officeId ?? null,
        p.total.currency,
        p.total.minor,
        `{${prices.join(',')}}`,
        status,
        deadline,
        customer,
        at,
      ],
    );
    return rows.length > 0;
  }
}
