import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { integrationEvent, Outbox } from '../../../infrastructure/messaging/outbox';
import { DomainError } from '../../../shared-kernel/domain-error';
import { newId } from '../../../shared-kernel/ids';
import { ESCROW_EVENTS, RefundIssued } from '../contracts';
import { Bookings } from '../domain/bookings';
import { Accounts, accountId, EntryDraft, reversal } from '../domain/ledger';
import { CARD_PAYMENT_PROVIDER, CardPaymentProvider } from '../domain/payment-gateway';
import { pgArray } from '../infrastructure/bulk-sql';
import { LedgerWriter } from '../infrastructure/ledger-writer';
import { writePain001 } from '../infrastructure/sepa/pain001.writer';
import { isValidIban } from '../domain/sepa-mandate';
import { pairReturns, ReturnedTransfer } from '../domain/statement';
import type { OrderRow } from './order-book';

interface NewRefund {
  amount: bigint;
  currency: string;
  reason: string;
  orderId?: string | null;
  orderNumber?: string | null;
  paymentId?: string | null;
  reviewItemId?: string | null;
  creditorName?: string | null;
  creditorIban?: string | null;
  method: 'sepa' | 'card';
  /** The entry that made the money owed (credit on refunds-payable). */
  owedEntryId: string;
}

/** The EndToEndId a refund's transfer carries (and its return comes back with). */
const refundEndToEndId = (id: string) => `RF-${id.slice(0, 8)}${id.slice(9, 13)}`;

/**
 * Money back to customers: order refunds (cancellation, Sales' refund, event cancellation) and refunds of review
 * items. Owed first (refunds payable), paid by card refund at once or in a SEPA refund run (pain.001).
 */
@Injectable()
export class RefundService {
  constructor(
    private readonly ledger: LedgerWriter,
    private readonly outbox: Outbox,
    @Inject(CARD_PAYMENT_PROVIDER) private readonly card: CardPaymentProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A paid order is refunded, fully or partly. Its fee entry is reversed (the platform gives its fees back to the
   * organizer's payable; a partly refunded order's fees are waived), then the amount is taken from the organizer's
   * payable as far as it reaches — after the event's payout it may not — and the rest from the guarantee fund.
   */
  async refundOrder(em: EntityManager, order: OrderRow, requested: bigint, reason: string): Promise<void> {
    const amount = requested > order.total ? order.total : requested;
    if (amount <= 0n) return;
    const full = amount === order.total;
    const drafts: EntryDraft[] = [];
    const payableId = accountId(Accounts.organizerPayable(order.organizerId, order.eventId, order.currency).code);
    const [bal] = await runSql<{ posted: string }>(em, `select posted_minor::text posted from escrow.account_balance where account_id = ? for update`, [payableId]);
    let available = bal ? -BigInt(bal.posted) : 0n;
    if (order.feeEntryId) {
      const [done] = await runSql(em, `select 1 from escrow.journal_entry where reverses_entry_id = ?`, [order.feeEntryId]);
      if (!done) {
        const [fees] = await this.ledger.load(em, [order.feeEntryId]);
        drafts.push(reversal(fees, reason));
        available += fees.postings.filter((p) => p.account.type === 'organizer-payable').reduce((a, p) => a + p.amount, 0n);
      }
    }
    const fromPayable = available <= 0n ? 0n : available < amount ? available : amount;
    const refund = Bookings.orderRefund(order, amount, fromPayable, reason);
    drafts.push(refund);
    await this.ledger.post(em, drafts);
    if (full) await runSql(em, `update escrow.order_account set status = 'refunded', updated_at = now() where order_id = ?`, [order.orderId]);
    if (order.channel !== 'online') return; // the office paid the customer back at the counter
    const [payer] = await runSql<{ id: string; method: 'bank-transfer' | 'card'; payer_name: string | null; payer_iban: string | null }>(
      em,
      `select id, method, payer_name, payer_iban from escrow.payment where order_id = ? and status in ('applied', 'resolved') order by received_at limit 1`,
      [order.orderId],
    );
    await this.create(em, {
      amount,
      currency: order.currency,
      reason,
      orderId: order.orderId,
      orderNumber: order.orderNumber,
      paymentId: payer?.id ?? null,
      creditorName: payer?.payer_name ?? null,
      creditorIban: payer?.payer_iban ?? null,
      method: payer?.method === 'card' ? 'card' : 'sepa',
      owedEntryId: refund.id,
    });
  }

  /** An order closed (expired / cancelled) after part of its money was manually matched: that part is refunded. */
  async parkReceivedOfClosedOrder(em: EntityManager, order: OrderRow): Promise<void> {
    const owed = Bookings.orderRefundOwed(order, order.received, 'order closed before it was fully paid');
    await this.ledger.post(em, [owed]);
    const [payer] = await runSql<{ id: string; method: string; payer_name: string | null; payer_iban: string | null }>(
      em,
      `select id, method, payer_name, payer_iban from escrow.payment where order_id = ? order by received_at limit 1`,
      [order.orderId],
    );
    await this.create(em, {
      amount: order.received,
      currency: order.currency,
      reason: 'order closed before it was fully paid',
      orderId: order.orderId,
      orderNumber: order.orderNumber,
      paymentId: payer?.id ?? null,
      reviewItemId: null,
      creditorName: payer?.payer_name ?? null,
      creditorIban: payer?.payer_iban ?? null,
      method: payer?.method === 'card' ? 'card' : 'sepa',
      owedEntryId: owed.id,
    });
  }

  /** Records a refund; card refunds are executed with the provider at once, SEPA ones wait for the refund run. */
  async create(em: EntityManager, r: NewRefund): Promise<{ id: string; status: 'pending' | 'issued' }> {
    const id = newId();
    await runSql(
      em,
      `insert into escrow.refund (id, order_id, order_number, payment_id, review_item_id, amount_minor, currency, reason, method, creditor_name, creditor_iban,
                                  status, end_to_end_id, entry_id)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      [id, r.orderId ?? null, r.orderNumber ?? null, r.paymentId ?? null, r.reviewItemId ?? null, r.amount.toString(), r.currency, r.reason, r.method, r.creditorName ?? null, r.creditorIban ?? null, refundEndToEndId(id), r.owedEntryId],
    );
    if (r.method !== 'card' || !r.paymentId) return { id, status: 'pending' };
    const done = await this.card.refund({ paymentId: r.paymentId, amount: r.amount, currency: r.currency });
    await this.issue(em, [{ id, amount: r.amount, currency: r.currency, orderId: r.orderId ?? null, orderNumber: r.orderNumber ?? null, reason: r.reason }], null, done.refundReference);
    return { id, status: 'issued' };
  }

  /**
   * SEPA refunds the customer's bank sent back (a credit on the trust account with the refund's EndToEndId and the
   * same amount): the refund becomes `returned`, the money is owed again (Dr escrow bank / Cr refunds payable) and a
   * replacement refund — pending, without IBAN until `setCreditor` — takes its place. Returns the applied lines.
   * Must run inside the import's transaction; the refunds are locked, so a return is applied once.
   */
  async takeBackReturned(em: EntityManager, lines: ReturnedTransfer[]): Promise<Map<string, { refundId: string; entryId: string }>> {
    const applied = new Map<string, { refundId: string; entryId: string }>();
    if (!lines.length) return applied;
    const rows = await runSql<{
      id: string; order_id: string | null; order_number: string | null; payment_id: string | null; review_item_id: string | null;
      amount_minor: string; currency: string; reason: string; creditor_name: string | null; end_to_end_id: string;
    }>(
      em,
      `select id, order_id, order_number, payment_id, review_item_id, amount_minor::text, currency, reason, creditor_name, end_to_end_id from escrow.refund
        where end_to_end_id = any(?::text[]) and status = 'issued' and method = 'sepa' order by id for update`,
      [pgArray([...new Set(lines.map((l) => l.endToEndId))])],
    );
    const taken = pairReturns(lines, rows).map(({ line, sent: r }) => {
      const why = `returned by the bank${line.returnReason ? ` (${line.returnReason})` : ''}`;
      const e = Bookings.refundReturned(r.currency, line.amount, `Refund ${r.order_number ?? r.id} ${why}`, r.order_id);
      applied.set(line.key, { refundId: r.id, entryId: e.id });
      return { r, e, why };
    });
    if (!taken.length) return applied;
    await this.ledger.post(
      em,
      taken.map((x) => x.e),
    );
    for (const { r, e, why } of taken) {
      await runSql(em, `update escrow.refund set status = 'returned', return_entry_id = ? where id = ? and status = 'issued'`, [e.id, r.id]);
      const id = newId();
      await runSql(
        em,
        `insert into escrow.refund (id, order_id, order_number, payment_id, review_item_id, amount_minor, currency, reason, method, creditor_name, creditor_iban,
                                    status, end_to_end_id, entry_id, replaces_refund_id)
         values (?, ?, ?, ?, ?, ?, ?, ?, 'sepa', ?, null, 'pending', ?, ?, ?)`,
        [id, r.order_id, r.order_number, r.payment_id, r.review_item_id, r.amount_minor, r.currency, `${r.reason} — re-issue: ${why}`.slice(0, 500), r.creditor_name, refundEndToEndId(id), e.id, r.id],
      );
    }
    return applied;
  }

  /** Sets the account a pending SEPA refund is paid to (a returned refund's replacement, or a payer without IBAN). */
  async setCreditor(em: EntityManager, refundId: string, creditor: { creditorIban: string; creditorName: string }) {
    const iban = creditor.creditorIban.replace(/\s+/g, '').toUpperCase();
    if (!isValidIban(iban)) throw new DomainError('ESCROW.IBAN_INVALID', 'creditorIban is not a valid IBAN (check digits)', 'unprocessable', { field: 'creditorIban' });
    const [r] = await runSql<{ status: string; method: string }>(em, `select status, method from escrow.refund where id = ? for update`, [refundId]);
    if (!r) throw DomainError.notFound('ESCROW.REFUND_NOT_FOUND', 'refund');
    if (r.status !== 'pending' || r.method !== 'sepa') {
      throw new DomainError('ESCROW.REFUND_NOT_PENDING', `only a pending SEPA refund can get a new account (this one is ${r.method}, ${r.status})`, 'conflict');
    }
    await runSql(em, `update escrow.refund set creditor_iban = ?, creditor_name = ? where id = ?`, [iban, creditor.creditorName, refundId]);
    return { refundId, status: 'pending', creditorIban: iban, creditorName: creditor.creditorName };
  }

  /** The SEPA refund run: every pending refund with an IBAN, one pain.001 file, entries posted, RefundIssued sent. */
  async runSepaRefunds(em: EntityManager, createdBy: string | null, currency: string): Promise<{ runId: string; count: number; total: string; xml: string } | null> {
    const rows = await runSql<{ id: string; amount_minor: string; order_id: string | null; order_number: string | null; reason: string; creditor_name: string | null; creditor_iban: string; end_to_end_id: string }>(
      em,
      `select id, amount_minor::text, order_id, order_number, reason, creditor_name, creditor_iban, end_to_end_id from escrow.refund
        where status = 'pending' and method = 'sepa' and creditor_iban is not null and currency = ? order by created_at for update skip locked`,
      [currency],
    );
    if (!rows.length) return null;
    const runId = newId();
    const total = rows.reduce((a, r) => a + BigInt(r.amount_minor), 0n);
    const messageId = `PT-RF-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${runId.slice(0, 8)}`;
    const xml = writePain001({
      messageId,
      createdAt: new Date(),
      executionDate: new Date().toISOString().slice(0, 10),
      currency,
      debtor: { name: this.config.ESCROW_TRUST_ACCOUNT_NAME, iban: this.config.ESCROW_TRUST_ACCOUNT_IBAN, bic: this.config.ESCROW_TRUST_ACCOUNT_BIC },
      transfers: rows.map((r) => ({
        endToEndId: r.end_to_end_id,
        amount: BigInt(r.amount_minor),
        creditorName: r.creditor_name ?? 'Customer',
        creditorIban: r.creditor_iban,
        remittance: `ProTicket refund ${r.order_number ?? ''} ${r.reason}`,
      })),
    });
    await runSql(em, `insert into escrow.payout_run (id, kind, message_id, currency, total_minor, count, xml, created_by) values (?, 'refund', ?, ?, ?, ?, ?, ?)`, [
      runId,
      messageId,
      currency,
      total.toString(),
      rows.length,
      xml,
      createdBy,
    ]);
    await this.issue(
      em,
      rows.map((r) => ({ id: r.id, amount: BigInt(r.amount_minor), currency, orderId: r.order_id, orderNumber: r.order_number, reason: r.reason })),
      runId,
      null,
    );
    return { runId, count: rows.length, total: total.toString(), xml };
  }

  private async issue(
    em: EntityManager,
    refunds: { id: string; amount: bigint; currency: string; orderId: string | null; orderNumber: string | null; reason: string }[],
    runId: string | null,
    providerRef: string | null,
  ): Promise<void> {
    const drafts = refunds.map((r) => ({ r, e: Bookings.refundPaid(r.currency, r.amount, `Refund ${r.orderNumber ?? r.id} paid out`, r.orderId) }));
    await this.ledger.post(
      em,
      drafts.map((d) => d.e),
    );
    await runSql(
      em,
      `update escrow.refund f set status = 'issued', issued_at = now(), run_id = ?, provider_reference = ?, issue_entry_id = x.entry_id
         from jsonb_to_recordset(?::jsonb) as x(id uuid, entry_id uuid) where f.id = x.id and f.status = 'pending'`,
      [runId, providerRef, JSON.stringify(drafts.map((d) => ({ id: d.r.id, entry_id: d.e.id })))],
    );
    const events = refunds
      .filter((r) => r.orderId && r.orderNumber)
      .map((r) =>
        integrationEvent<RefundIssued['type'], RefundIssued['payload']>(ESCROW_EVENTS.RefundIssued, {
          refundId: r.id,
          orderId: r.orderId!,
          orderNumber: r.orderNumber!,
          amount: { minor: r.amount.toString(), currency: r.currency },
          reason: r.reason,
        }),
      );
    for (let i = 0; i < events.length; i += 1000) await this.outbox.append(em, ...events.slice(i, i + 1000));
  }
}

export const refundNotFound = () => DomainError.notFound('ESCROW.REFUND_NOT_FOUND', 'refund');
