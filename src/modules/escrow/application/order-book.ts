import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { integrationEvent, Outbox } from '../../../infrastructure/messaging/outbox';
import { CLOCK, Clock } from '../../../shared-kernel/clock';
import { DomainError } from '../../../shared-kernel/domain-error';
import type { SalesChannelKind } from '../../sales/contracts';
import { ESCROW_EVENTS, PaymentReceived } from '../contracts';
import { Bookings, EscrowOrder } from '../domain/bookings';
import { computeFees, FeeContract } from '../domain/fees';
import { EntryDraft } from '../domain/ledger';
import { bulkSql } from '../infrastructure/bulk-sql';
import { LedgerWriter } from '../infrastructure/ledger-writer';

export type OrderStatus = 'awaiting-payment' | 'awaiting-counter-payment' | 'paid' | 'expired' | 'cancelled' | 'refunded';

export interface OrderRow extends EscrowOrder {
  status: OrderStatus;
  received: bigint;
  rfReference: string | null;
  saleEntryId: string | null;
  feeEntryId: string | null;
  eventStartsAt: string;
}

interface RawOrder {
  order_id: string;
  order_number: string;
  organizer_id: string;
  event_id: string;
  currency: string;
  total_minor: string;
  received_minor: string;
  channel: SalesChannelKind;
  office_id: string | null;
  ticket_prices: string[];
  status: OrderStatus;
  rf_reference: string | null;
  sale_entry_id: string | null;
  fee_entry_id: string | null;
  event_starts_at: Date;
}

export const ORDER_COLUMNS = `order_id, order_number, organizer_id, event_id, currency, total_minor::text, received_minor::text, channel, office_id,
  ticket_prices::text[] as ticket_prices, status, rf_reference, sale_entry_id, fee_entry_id, event_starts_at`;

export const toOrder = (r: RawOrder): OrderRow => ({
  orderId: r.order_id,
  orderNumber: r.order_number,
  organizerId: r.organizer_id,
  eventId: r.event_id,
  currency: r.currency,
  total: BigInt(r.total_minor),
  received: BigInt(r.received_minor),
  channel: r.channel,
  officeId: r.office_id,
  ticketPrices: r.ticket_prices.map((p) => BigInt(p)),
  status: r.status,
  rfReference: r.rf_reference,
  saleEntryId: r.sale_entry_id,
  feeEntryId: r.fee_entry_id,
  eventStartsAt: new Date(r.event_starts_at).toISOString(),
});

export interface CompletedPayment {
  order: OrderRow;
  paymentId: string;
  method: 'bank-transfer' | 'card';
  receivedAt: Date;
}

/**
 * The escrow's order sub-ledger: loading orders, fee contracts, and the one place where an online order becomes
 * paid (sale entry posted, fees booked, PaymentReceived written to the outbox in the same transaction).
 */
@Injectable()
export class OrderBook {
  constructor(
    private readonly ledger: LedgerWriter,
    private readonly outbox: Outbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async byIds(em: EntityManager, ids: string[], lock = false): Promise<Map<string, OrderRow>> {
    if (!ids.length) return new Map();
    const rows = await runSql<RawOrder>(em, `select ${ORDER_COLUMNS} from escrow.order_account where order_id = any(?::uuid[]) order by order_id ${lock ? 'for update' : ''}`, [ids]);
    return new Map(rows.map((r) => [r.order_id, toOrder(r)]));
  }

  async get(em: EntityManager, orderId: string, lock = false): Promise<OrderRow> {
    const o = (await this.byIds(em, [orderId], lock)).get(orderId);
    if (!o) throw DomainError.notFound('ESCROW.ORDER_NOT_FOUND', 'order');
    return o;
  }

  async contracts(em: EntityManager, organizerIds: string[]): Promise<Map<string, FeeContract>> {
    const rows = await runSql<{ organizer_id: string; s: string; c: number; m: string; g: number }>(
      em,
      `select organizer_id, system_fee_per_ticket_minor::text s, commission_bp c, commission_min_per_ticket_minor::text m, guarantee_per_mille g
         from escrow.fee_contract where organizer_id = any(?::uuid[])`,
      [[...new Set(organizerIds)]],
    );
    const map = new Map(rows.map((r) => [r.organizer_id, { systemFeePerTicket: BigInt(r.s), commissionBp: r.c, commissionMinPerTicket: BigInt(r.m), guaranteePerMille: r.g }]));
    for (const id of organizerIds) if (!map.has(id)) map.set(id, this.defaultContract());
    return map;
  }

  defaultContract(): FeeContract {
    return {
      systemFeePerTicket: BigInt(this.config.ESCROW_DEFAULT_SYSTEM_FEE_MINOR),
      commissionBp: this.config.ESCROW_DEFAULT_COMMISSION_BP,
      commissionMinPerTicket: BigInt(this.config.ESCROW_DEFAULT_COMMISSION_MIN_MINOR),
      guaranteePerMille: this.config.ESCROW_DEFAULT_GUARANTEE_PER_MILLE,
    };
  }

  /**
   * Books the fees of paid sales and marks the orders paid. Online orders: the pending sale entry is posted and
   * PaymentReceived is appended to the outbox. Counter orders: `extra` carries the counter-sale entries.
   */
  async markPaid(em: EntityManager, items: CompletedPayment[], extra: EntryDraft[] = [], publish = true): Promise<void> {
    if (!items.length) return;
    const contracts = await this.contracts(
      em,
      items.map((i) => i.order.organizerId),
    );
    const drafts: EntryDraft[] = [];
    const updates: Record<string, unknown>[] = [];
    for (const { order, receivedAt } of items) {
      const fees = computeFees(contracts.get(order.organizerId)!, order.ticketPrices, order.channel);
      const feeEntry = Bookings.fees(order, fees);
      if (feeEntry) drafts.push(feeEntry);
      updates.push({
        order_id: order.orderId,
        fee_entry_id: feeEntry?.id ?? null,
        paid_at: receivedAt.toISOString(),
        commission: fees.commission.toString(),
        system_fee: fees.systemFee.toString(),
        guarantee: fees.guarantee.toString(),
      });
    }
    // Revenue first (counter-sale entries; pending online sale entries posted), then the fees deducted from it:
    // the organizer's payable must never dip below zero, not even between two statements.
    await this.ledger.post(em, extra);
    await this.ledger.transition(
      em,
      items.map((i) => i.order.saleEntryId).filter((x): x is string => !!x),
      'posted',
    );
    await this.ledger.post(em, drafts);
    for (let i = 0; i < updates.length; i += 2000) {
      await bulkSql(
        em,
        `update escrow.order_account o
            set status = 'paid', received_minor = o.total_minor, paid_at = x.paid_at, fee_entry_id = x.fee_entry_id,
                commission_minor = x.commission, system_fee_minor = x.system_fee, guarantee_minor = x.guarantee, updated_at = now()
           from jsonb_to_recordset(?::jsonb) as x(order_id uuid, fee_entry_id uuid, paid_at timestamptz, commission bigint, system_fee bigint, guarantee bigint)
          where o.order_id = x.order_id`,
        [JSON.stringify(updates.slice(i, i + 2000))],
      );
    }
    if (!publish) return;
    const events = items
      .filter((i) => i.order.channel === 'online')
      .map((i) =>
        integrationEvent<PaymentReceived['type'], PaymentReceived['payload']>(
          ESCROW_EVENTS.PaymentReceived,
          {
            paymentId: i.paymentId,
            orderId: i.order.orderId,
            orderNumber: i.order.orderNumber,
            amount: { minor: i.order.total.toString(), currency: i.order.currency },
            method: i.method,
            receivedAt: i.receivedAt.toISOString(),
          },
          i.order.organizerId,
        ),
      );
    for (let i = 0; i < events.length; i += 1000) await this.outbox.append(em, ...events.slice(i, i + 1000));
  }

  now(): Date {
    return this.clock.now();
  }
}
