import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { formatCreditorReference } from '../domain/rf-reference';

/** Read side: SQL straight into DTOs. Balances are shown on the account's normal side (positive = normal). */
@Injectable()
export class EscrowQueries {
  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  accounts(filter: { type?: string; ownerId?: string; eventId?: string }) {
    return runSql(
      this.em(),
      `select a.id, a.code, a.type, a.name, a.owner_id "ownerId", a.event_id "eventId", a.currency,
              (a.normal_side * coalesce(b.posted_minor, 0))::text posted, (a.normal_side * coalesce(b.pending_minor, 0))::text pending
         from escrow.account a left join escrow.account_balance b on b.account_id = a.id
        where (?::text is null or a.type = ?) and (?::uuid is null or a.owner_id = ?::uuid) and (?::uuid is null or a.event_id = ?::uuid)
        order by a.type, a.code limit 1000`,
      [filter.type ?? null, filter.type ?? null, filter.ownerId ?? null, filter.ownerId ?? null, filter.eventId ?? null, filter.eventId ?? null],
    );
  }

  /**
   * Trial balance recomputed from the postings (not from the balance table): the posted sum per currency must be
   * zero, no entry may be unbalanced, and the trigger-maintained balances must equal the recomputed ones.
   */
  async trialBalance() {
    const em = this.em();
    const totals = await runSql<{ currency: string; posted: string; pending: string }>(
      em,
      `select p.currency, coalesce(sum(p.amount_minor) filter (where e.status = 'posted'), 0)::text posted,
              coalesce(sum(p.amount_minor) filter (where e.status = 'pending'), 0)::text pending
         from escrow.posting p join escrow.journal_entry e on e.id = p.entry_id group by p.currency order by 1`,
    );
    const [unbalanced] = await runSql<{ n: string }>(em, `select count(*)::text n from (select entry_id from escrow.posting group by entry_id having sum(amount_minor) <> 0) x`);
    const [drift] = await runSql<{ n: string }>(
      em,
      `select count(*)::text n from escrow.account_balance b
         left join (select p.account_id, coalesce(sum(p.amount_minor) filter (where e.status = 'posted'), 0) posted,
                           coalesce(sum(p.amount_minor) filter (where e.status = 'pending'), 0) pending
                      from escrow.posting p join escrow.journal_entry e on e.id = p.entry_id group by p.account_id) r on r.account_id = b.account_id
        where b.posted_minor <> coalesce(r.posted, 0) or b.pending_minor <> coalesce(r.pending, 0)`,
    );
    const [negative] = await runSql<{ n: string }>(em, `select count(*)::text n from escrow.account_balance where not may_go_negative and normal_side * posted_minor < 0`);
    const byType = await runSql(
      em,
      `select a.currency, a.type, (a.normal_side * sum(coalesce(b.posted_minor, 0)))::text posted, (a.normal_side * sum(coalesce(b.pending_minor, 0)))::text pending
         from escrow.account a left join escrow.account_balance b on b.account_id = a.id group by a.currency, a.type, a.normal_side order by 1, 2`,
    );
    return {
      balanced: totals.every((t) => t.posted === '0' && t.pending === '0') && unbalanced.n === '0' && drift.n === '0',
      totals,
      unbalancedEntries: Number(unbalanced.n),
      balanceDrift: Number(drift.n),
      negativeAccounts: Number(negative.n),
      byType,
    };
  }

  /** An organizer's events: gross revenue, fees, refunds, paid out, still held (posted payable) and pending. */
  organizerEvents(organizerId: string) {
    return runSql(
      this.em(),
      `select a.event_id "eventId", a.currency, max(o.event_name) "eventName", max(o.event_starts_at) "startsAt",
              (-coalesce(b.posted_minor, 0))::text "payable", (-coalesce(b.pending_minor, 0))::text "pending",
              coalesce(sum(o.total_minor) filter (where o.status = 'paid'), 0)::text "paidSales",
              coalesce(sum(o.system_fee_minor + o.guarantee_minor + o.commission_minor) filter (where o.status = 'paid'), 0)::text "fees",
              count(o.*) filter (where o.status = 'paid')::int "paidOrders",
              count(o.*) filter (where o.status = 'awaiting-payment')::int "awaitingPayment",
              (select amount_minor::text from escrow.payout p where p.event_id = a.event_id and p.status = 'paid') "paidOut"
         from escrow.account a left join escrow.account_balance b on b.account_id = a.id
         left join escrow.order_account o on o.event_id = a.event_id
        where a.type = 'organizer-payable' and a.owner_id = ?
        group by a.event_id, a.currency, b.posted_minor, b.pending_minor order by 4 desc`,
      [organizerId],
    );
  }

  async organizerEvent(organizerId: string, eventId: string) {
    const rows = (await this.organizerEvents(organizerId)) as { eventId: string }[];
    const ev = rows.find((r) => r.eventId === eventId);
    if (!ev) throw DomainError.notFound('ESCROW.EVENT_NOT_FOUND', 'event');
    return ev;
  }

  async officeBalance(officeId: string) {
    const rows = await runSql<{ type: string; currency: string; posted: string }>(
      this.em(),
      `select a.type, a.currency, (a.normal_side * coalesce(b.posted_minor, 0))::text posted from escrow.account a left join escrow.account_balance b on b.account_id = a.id
        where a.owner_id = ? and a.type in ('office-receivable', 'presale-commission')`,
      [officeId],
    );
    const get = (t: string) => BigInt(rows.find((r) => r.type === t)?.posted ?? '0');
    const receivable = get('office-receivable');
    const commission = get('presale-commission');
    return { officeId, currency: rows[0]?.currency ?? this.config.ESCROW_CURRENCY, receivable: receivable.toString(), commissionOwed: commission.toString(), netDue: (receivable - commission).toString() };
  }

  reviewQueue(status: 'open' | 'resolved' | 'all') {
    return runSql(
      this.em(),
      `select r.id, r.reason, r.status, r.order_id "orderId", o.order_number "orderNumber", r.currency, r.amount_minor::text amount, r.open_minor::text "open",
              p.method, p.payer_name "payerName", p.payer_iban "payerIban", p.reference, p.received_at "receivedAt", r.resolution, r.created_at "createdAt"
         from escrow.review_item r join escrow.payment p on p.id = r.payment_id left join escrow.order_account o on o.order_id = r.order_id
        where (? = 'all' or r.status = ?) order by r.created_at limit 1000`,
      [status, status],
    );
  }

  async order(orderId: string, organizerId: string | null) {
    const [o] = await runSql<Record<string, any>>(
      this.em(),
      `select order_id "orderId", order_number "orderNumber", organizer_id "organizerId", event_id "eventId", channel, office_id "officeId", currency,
              total_minor::text total, received_minor::text received, status, rf_reference "paymentReference", payment_deadline "paymentDeadline", paid_at "paidAt",
              system_fee_minor::text "systemFee", commission_minor::text commission, guarantee_minor::text guarantee
         from escrow.order_account where order_id = ? and (?::uuid is null or organizer_id = ?::uuid)`,
      [orderId, organizerId, organizerId],
    );
    if (!o) throw DomainError.notFound('ESCROW.ORDER_NOT_FOUND', 'order');
    const payments = await runSql(
      this.em(),
      `select id, method, amount_minor::text amount, status, received_at "receivedAt" from escrow.payment where order_id = ? order by received_at`,
      [orderId],
    );
    return {
      ...o,
      paymentReferencePrinted: o.paymentReference ? formatCreditorReference(o.paymentReference) : null,
      beneficiary: { name: this.config.ESCROW_TRUST_ACCOUNT_NAME, iban: this.config.ESCROW_TRUST_ACCOUNT_IBAN, bic: this.config.ESCROW_TRUST_ACCOUNT_BIC ?? null },
      payments,
    };
  }

  async payoutRun(id: string) {
    const [r] = await runSql<Record<string, any>>(
      this.em(),
      `select id, kind, message_id "messageId", currency, total_minor::text total, count, xml, created_at "createdAt" from escrow.payout_run where id = ?`,
      [id],
    );
    if (!r) throw DomainError.notFound('ESCROW.PAYOUT_RUN_NOT_FOUND', 'payout run');
    return r;
  }

  refunds(status: string | null) {
    return runSql(
      this.em(),
      `select id, order_id "orderId", order_number "orderNumber", review_item_id "reviewItemId", amount_minor::text amount, currency, reason, method, status,
              creditor_name "creditorName", creditor_iban "creditorIban", run_id "runId", created_at "createdAt", issued_at "issuedAt",
              replaces_refund_id "replacesRefundId", end_to_end_id "endToEndId"
         from escrow.refund where (?::text is null or status = ?) order by created_at desc limit 1000`,
      [status, status],
    );
  }

  /**
   * Reconciliation: the escrow bank account's ledger balance against the closing balance of the latest imported
   * statement of the trust account, with the items that explain a difference: payouts / refunds issued in files
   * but not yet seen as debits on a statement, debits on statements that match no payout or refund, and bookings the
   * bank returned or reversed (`returns`; `booked` = applied automatically, e.g. a returned direct debit).
   */
  async reconciliation(currency: string) {
    const em = this.em();
    const [ledger] = await runSql<{ posted: string }>(
      em,
      `select coalesce((select posted_minor from escrow.account_balance b join escrow.account a on a.id = b.account_id where a.code = ?), 0)::text posted`,
      [`escrow-bank:${currency}`],
    );
    const [stmt] = await runSql<{ id: string; closing: string | null; closing_date: string | null; account_iban: string | null }>(
      em,
      `select id, closing_balance_minor::text closing, closing_date::text, account_iban from escrow.statement_import
        where currency = ? and closing_balance_minor is not null and (account_iban is null or account_iban = ?)
        order by closing_date desc nulls last, created_at desc limit 1`,
      [currency, this.config.ESCROW_TRUST_ACCOUNT_IBAN],
    );
    const inTransit = await runSql(
      em,
      `select 'payout' kind, p.end_to_end_id "endToEndId", p.amount_minor::text amount, p.created_at "createdAt" from escrow.payout p
        where p.currency = ? and p.status = 'paid' and not exists (select 1 from escrow.bank_transaction t where t.direction = 'debit' and t.end_to_end_id = p.end_to_end_id)
       union all
       select 'refund', f.end_to_end_id, f.amount_minor::text, f.issued_at from escrow.refund f
        where f.currency = ? and f.status = 'issued' and f.method = 'sepa'
          and not exists (select 1 from escrow.bank_transaction t where t.direction = 'debit' and t.end_to_end_id = f.end_to_end_id)
       order by 4`,
      [currency, currency],
    );
    const unexplained = await runSql(
      em,
      `select t.id, t.booking_date "bookingDate", t.amount_minor::text amount, t.end_to_end_id "endToEndId", t.remittance from escrow.bank_transaction t
        where t.direction = 'debit' and t.currency = ? and t.outcome <> 'returned'
          and not exists (select 1 from escrow.payout p where p.end_to_end_id = t.end_to_end_id)
          and not exists (select 1 from escrow.refund f where f.end_to_end_id = t.end_to_end_id)
        order by t.booking_date limit 1000`,
      [currency],
    );
    // Returned / reversed bookings: those applied (a settlement reopened) are in the ledger; the others are money the
    // bank moved that nobody has booked yet, so they explain a difference until a person deals with them.
    const returns = await runSql(
      em,
      `select t.id, t.booking_date "bookingDate", t.direction, t.amount_minor::text amount, t.reversal, t.return_reason "returnReason",
              t.end_to_end_id "endToEndId", t.remittance, t.settlement_id "settlementId", t.refund_id "refundId", t.payout_id "payoutId", (t.entry_id is not null) "booked"
         from escrow.bank_transaction t where t.outcome = 'returned' and t.currency = ? order by t.booking_date, t.created_at limit 1000`,
      [currency],
    );
    const ledgerBalance = BigInt(ledger.posted);
    const closing = stmt?.closing != null ? BigInt(stmt.closing) : null;
    return {
      currency,
      ledgerBalance: ledgerBalance.toString(),
      statementClosingBalance: closing?.toString() ?? null,
      statementDate: stmt?.closing_date ?? null,
      difference: closing === null ? null : (ledgerBalance - closing).toString(),
      inTransit,
      unexplainedDebits: unexplained,
      returns,
    };
  }
}
