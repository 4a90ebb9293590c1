import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { Bookings } from '../domain/bookings';
import { LedgerWriter } from '../infrastructure/ledger-writer';
import { OrderBook } from './order-book';
import { RefundService } from './refund.service';

interface ItemRow {
  id: string;
  payment_id: string;
  reason: string;
  currency: string;
  amount_minor: string;
  open_minor: string;
  status: string;
  method: 'bank-transfer' | 'card';
  payer_name: string | null;
  payer_iban: string | null;
  received_at: Date;
}

/**
 * The review queue: payments that were not an exact payment of an open amount. A person either matches the open
 * amount to an order (manual match) or refunds it (all or part). Each action is one transaction, and the item's
 * open amount can only shrink (CHECK open_minor >= 0): nothing is credited twice.
 */
@Injectable()
export class ReviewService {
  constructor(
    private readonly book: OrderBook,
    private readonly ledger: LedgerWriter,
    private readonly refunds: RefundService,
  ) {}

  async manualMatch(em: EntityManager, itemId: string, orderId: string, by: string) {
    const item = await this.lock(em, itemId);
    const order = (await this.book.byIds(em, [orderId], true)).get(orderId);
    if (!order) throw DomainError.notFound('ESCROW.ORDER_NOT_FOUND', 'order');
    if (order.status !== 'awaiting-payment') {
      throw new DomainError('ESCROW.ORDER_NOT_PAYABLE', `order ${order.orderNumber} is ${order.status}; refund the payment instead`, 'conflict');
    }
    if (order.currency !== item.currency) throw new DomainError('ESCROW.CURRENCY_MISMATCH', 'payment and order currencies differ', 'unprocessable');
    const amount = BigInt(item.open_minor);
    const open = order.total - order.received;
    if (amount > open) {
      throw new DomainError('ESCROW.MATCH_EXCEEDS_OPEN_AMOUNT', `the item's open ${amount} exceeds the order's open ${open}; refund the excess first`, 'unprocessable', {
        itemOpen: amount.toString(),
        orderOpen: open.toString(),
      });
    }
    await this.ledger.post(em, [Bookings.allocateToOrder(order, amount)]);
    await runSql(em, `update escrow.order_account set received_minor = received_minor + ?, updated_at = now() where order_id = ?`, [amount.toString(), order.orderId]);
    await runSql(em, `update escrow.payment set order_id = ?, status = 'resolved' where id = ?`, [order.orderId, item.payment_id]);
    await this.resolve(em, item, amount, { action: 'manual-match', orderId, amount: amount.toString(), by });
    const fullyPaid = order.received + amount === order.total;
    if (fullyPaid) {
      await this.book.markPaid(em, [{ order, paymentId: item.payment_id, method: item.method, receivedAt: new Date(item.received_at) }]);
    }
    return { itemId, orderId, applied: amount.toString(), orderPaid: fullyPaid, orderOpen: (open - amount).toString() };
  }

  async refund(em: EntityManager, itemId: string, input: { amountMinor?: string; creditorIban?: string; creditorName?: string; reason?: string }, by: string) {
    const item = await this.lock(em, itemId);
    const open = BigInt(item.open_minor);
    const amount = input.amountMinor ? BigInt(input.amountMinor) : open;
    if (amount <= 0n || amount > open) throw new DomainError('ESCROW.REFUND_EXCEEDS_OPEN_AMOUNT', `refund must be between 1 and the open ${open}`, 'unprocessable');
    const iban = input.creditorIban ?? item.payer_iban;
    if (item.method !== 'card' && !iban) throw new DomainError('ESCROW.CREDITOR_IBAN_REQUIRED', 'the payer IBAN is unknown; give creditorIban', 'unprocessable');
    const reason = input.reason ?? `refund of ${item.reason} payment`;
    const owed = Bookings.refundUnallocated(item.currency, amount, `Review item ${itemId}: ${reason}`);
    await this.ledger.post(em, [owed]);
    const refund = await this.refunds.create(em, {
      amount,
      currency: item.currency,
      reason,
      paymentId: item.payment_id,
      reviewItemId: itemId,
      creditorIban: iban,
      creditorName: input.creditorName ?? item.payer_name,
      method: item.method === 'card' ? 'card' : 'sepa',
      owedEntryId: owed.id,
    });
    await this.resolve(em, item, amount, { action: 'refund', refundId: refund.id, amount: amount.toString(), by });
    return { itemId, refundId: refund.id, refundStatus: refund.status, refunded: amount.toString(), open: (open - amount).toString() };
  }

  private async lock(em: EntityManager, itemId: string): Promise<ItemRow> {
    const [item] = await runSql<ItemRow>(
      em,
      `select r.id, r.payment_id, r.reason, r.currency, r.amount_minor::text, r.open_minor::text, r.status, p.method, p.payer_name, p.payer_iban, p.received_at
         from escrow.review_item r join escrow.payment p on p.id = r.payment_id where r.id = ? for update of r`,
      [itemId],
    );
    if (!item) throw DomainError.notFound('ESCROW.REVIEW_ITEM_NOT_FOUND', 'review item');
    if (item.status !== 'open') throw new DomainError('ESCROW.REVIEW_ITEM_RESOLVED', 'this review item is already resolved', 'conflict');
    return item;
  }

  private async resolve(em: EntityManager, item: ItemRow, amount: bigint, action: Record<string, unknown>): Promise<void> {
    await runSql(
      em,
      `update escrow.review_item set open_minor = open_minor - ?, resolution = resolution || ?::jsonb,
              status = case when open_minor - ? = 0 then 'resolved' else 'open' end,
              resolved_at = case when open_minor - ? = 0 then now() else null end
        where id = ?`,
      [amount.toString(), JSON.stringify([{ ...action, at: new Date().toISOString() }]), amount.toString(), amount.toString(), item.id],
    );
  }
}
