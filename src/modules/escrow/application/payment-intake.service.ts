import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { runSql } from '../../../infrastructure/database/sql';
import { newId } from '../../../shared-kernel/ids';
import { Bookings } from '../domain/bookings';
import { EntryDraft } from '../domain/ledger';
import { decidePayment, MatchTarget, ReviewReason } from '../domain/payment-matching';
import { findCreditorReferences, normalizeReference, PAYMENT_REFERENCE_BODY_LENGTH } from '../domain/rf-reference';
import { isReturn, ParsedStatement, StatementLine } from '../domain/statement';
import { bulkSql, pgArray } from '../infrastructure/bulk-sql';
import { LedgerWriter } from '../infrastructure/ledger-writer';
import { CompletedPayment, ORDER_COLUMNS, OrderBook, OrderRow, toOrder } from './order-book';
import { PayoutService } from './payout.service';
import { RefundService } from './refund.service';

/** A payment that arrived in the trust account, from a bank statement line or a card capture. */
export interface IncomingPayment {
  method: 'bank-transfer' | 'card';
  amount: bigint;
  currency: string;
  remittance: string;
  /** Card payments know their order from the checkout. */
  orderIdHint?: string | null;
  payerName: string | null;
  payerIban: string | null;
  receivedAt: Date;
  bankTransactionId?: string | null;
  provider?: string | null;
  providerEventId?: string | null;
}

export type PaymentOutcome =
  | { paymentId: string; outcome: 'matched'; orderId?: string; settlementId?: string }
  | { paymentId: string; outcome: 'review'; reason: ReviewReason; reviewItemId: string; orderId: string | null };

export interface ImportSummary {
  importId: string;
  duplicateFile: boolean;
  format: string;
  transactions: number;
  newTransactions: number;
  alreadyImported: number;
  matched: number;
  review: number;
  outgoing: number;
  /** Returned or reversed bookings (never matched as payments); `returnsApplied` of them reopened a settlement. */
  returned: number;
  returnsApplied: number;
}

/** What became of a returned / reversed line: applied to a settlement or a refund (booked), else only listed. */
type AppliedReturn = { settlementId: string; entryId: string } | { refundId: string; entryId: string } | { payoutId: string; entryId: string };

interface SettlementRow {
  id: string;
  office_id: string;
  currency: string;
  due_minor: string;
  received_minor: string;
  status: string;
  rf_reference: string;
}

/**
 * The one matching pipeline for every payment source: find the target (RF reference in the remittance information,
 * then the order number), decide (exact → apply; anything else → review queue), book. Set-based, so a statement
 * with 10,000 lines is a handful of statements per chunk, all in the caller's single transaction.
 */
@Injectable()
export class PaymentIntake {
  constructor(
    private readonly book: OrderBook,
    private readonly ledger: LedgerWriter,
    private readonly refunds: RefundService,
    private readonly payouts: PayoutService,
  ) {}

  /** The summary of an identical file imported before (by sha-256), or null. */
  async knownFile(em: EntityManager, raw: Buffer): Promise<ImportSummary | null> {
    const checksum = createHash('sha256').update(raw).digest('hex');
    const [dup] = await runSql<{ id: string; format: string; tx_count: number }>(em, `select id, format, tx_count from escrow.statement_import where checksum = ?`, [checksum]);
    return dup
      ? {
          importId: dup.id,
          duplicateFile: true,
          format: dup.format,
          transactions: dup.tx_count,
          newTransactions: 0,
          alreadyImported: dup.tx_count,
          matched: 0,
          review: 0,
          outgoing: 0,
          returned: 0,
          returnsApplied: 0,
        }
      : null;
  }

  async importStatement(em: EntityManager, raw: Buffer, parsed: ParsedStatement, meta: { fileName?: string | null; createdBy?: string | null }): Promise<ImportSummary> {
    const checksum = createHash('sha256').update(raw).digest('hex');
    const earlier = await this.knownFile(em, raw);
    if (earlier) return earlier;
    // Overlapping statements: lines already booked (same bank transaction id / content checksum) are skipped.
    const keys = parsed.lines.map((l) => l.key);
    const known = new Set(
      (await bulkSql<{ tx_key: string }>(em, `select tx_key from escrow.bank_transaction where tx_key in (select jsonb_array_elements_text(?::jsonb))`, [JSON.stringify(keys)])).map((r) => r.tx_key),
    );
    const fresh: StatementLine[] = [];
    const inFile = new Set<string>();
    for (const l of parsed.lines) {
      if (known.has(l.key) || inFile.has(l.key)) continue;
      inFile.add(l.key);
      fresh.push(l);
    }
    const importId = newId();
    // Returned / reversed money is never an incoming payment (a bounced refund carries the order's RF reference).
    const credits = fresh.filter((l) => l.direction === 'credit' && !isReturn(l));
    const returns = fresh.filter(isReturn);
    const txIds = new Map(fresh.map((l) => [l.key, newId()]));
    const outcomes = await this.apply(
      em,
      credits.map((l) => ({
        method: 'bank-transfer' as const,
        amount: l.amount,
        currency: l.currency,
        remittance: l.remittance,
        payerName: l.counterpartyName,
        payerIban: l.counterpartyIban,
        receivedAt: l.bookingDate ? new Date(`${l.bookingDate}T12:00:00Z`) : this.book.now(),
        bankTransactionId: txIds.get(l.key)!,
      })),
    );
    // After the credits: a statement may hold a collection and its return, and the return must see it booked.
    const appliedReturns = await this.applyReturns(em, returns);
    const byKey = new Map(credits.map((l, i) => [l.key, outcomes[i]]));
    const matched = outcomes.filter((o) => o.outcome === 'matched').length;
    await runSql(
      em,
      `insert into escrow.statement_import (id, format, checksum, file_name, account_iban, statement_id, currency, closing_balance_minor, closing_date,
                                            tx_count, new_tx_count, matched_count, review_count, created_by)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        importId,
        parsed.format,
        checksum,
        meta.fileName ?? null,
        parsed.accountIban,
        parsed.statementId,
        parsed.currency,
        parsed.closingBalance?.toString() ?? null,
        parsed.closingDate,
        parsed.lines.length,
        fresh.length,
        matched,
        outcomes.length - matched,
        meta.createdBy ?? null,
      ],
    );
    for (let i = 0; i < fresh.length; i += 2000) {
      await bulkSql(
        em,
        `insert into escrow.bank_transaction (id, import_id, tx_key, direction, amount_minor, currency, booking_date, remittance, end_to_end_id,
                                              counterparty_name, counterparty_iban, outcome, payment_id, reversal, return_reason, settlement_id, refund_id, payout_id,
                                              entry_id)
         select id, ?, tx_key, direction, amount_minor, currency, booking_date, remittance, end_to_end_id, counterparty_name, counterparty_iban, outcome, payment_id,
                reversal, return_reason, settlement_id, refund_id, payout_id, entry_id
           from jsonb_to_recordset(?::jsonb) as x(id uuid, tx_key text, direction text, amount_minor bigint, currency text, booking_date date, remittance text,
                end_to_end_id text, counterparty_name text, counterparty_iban text, outcome text, payment_id uuid, reversal boolean, return_reason text,
                settlement_id uuid, refund_id uuid, payout_id uuid, entry_id uuid)`,
        [
          importId,
          JSON.stringify(
            fresh.slice(i, i + 2000).map((l) => {
              const o = byKey.get(l.key);
              const ret = appliedReturns.get(l.key);
              return {
                id: txIds.get(l.key),
                tx_key: l.key,
                direction: l.direction,
                amount_minor: l.amount.toString(),
                currency: l.currency,
                booking_date: l.bookingDate,
                remittance: l.remittance,
                end_to_end_id: l.endToEndId,
                counterparty_name: l.counterpartyName,
                counterparty_iban: l.counterpartyIban,
                outcome: o ? o.outcome : isReturn(l) ? 'returned' : 'outgoing',
                payment_id: o?.paymentId ?? null,
                reversal: l.reversal,
                return_reason: l.returnReason,
                settlement_id: ret && 'settlementId' in ret ? ret.settlementId : null,
                refund_id: ret && 'refundId' in ret ? ret.refundId : null,
                payout_id: ret && 'payoutId' in ret ? ret.payoutId : null,
                entry_id: ret?.entryId ?? null,
              };
            }),
          ),
        ],
      );
    }
    return {
      importId,
      duplicateFile: false,
      format: parsed.format,
      transactions: parsed.lines.length,
      newTransactions: fresh.length,
      alreadyImported: parsed.lines.length - fresh.length,
      matched,
      review: outcomes.length - matched,
      outgoing: fresh.length - credits.length - returns.length,
      returned: returns.length,
      returnsApplied: appliedReturns.size,
    };
  }

  /**
   * Returned / reversed money, applied where it is unambiguous:
   * - money coming back with a SEPA refund's EndToEndId and amount: the refund was returned by the customer's bank
   *   (RefundService.takeBackReturned: owed again, a replacement refund waits for a new IBAN);
   * - money coming back with a payout's EndToEndId and amount: the organizer's bank returned it
   *   (PayoutService.takeBackReturned: the event's payable is restored and paid again to another account);
   * - money leaving that names a settlement (its RF reference as EndToEndId — how a direct-debit collection is returned
   *   — or in the remittance information): the settlement is reopened by the amount (it was marked paid when the
   *   collection arrived) and the office owes it again (Dr office receivable / Cr escrow bank).
   * Everything else (a reversed customer payment, an unknown or partial return) books nothing by itself: it
   * is stored with outcome `returned` and listed by the reconciliation, where it explains the difference to the bank
   * until a person deals with it. Returns the applied ones by line key.
   */
  private async applyReturns(em: EntityManager, returns: StatementLine[]): Promise<Map<string, AppliedReturn>> {
    // Money coming back names what went out by its EndToEndId: refunds (RF-…) and payouts (PO-…) never share one.
    const back = returns.filter((l) => l.direction === 'credit' && l.endToEndId).map((l) => ({ ...l, endToEndId: l.endToEndId! }));
    const applied = new Map<string, AppliedReturn>([...(await this.refunds.takeBackReturned(em, back)), ...(await this.payouts.takeBackReturned(em, back))]);
    const out = returns.filter((l) => l.direction === 'debit');
    if (!out.length) return applied;
    const refsPer = out.map((l) => [
      ...new Set([...(l.endToEndId ? findCreditorReferences(l.endToEndId, PAYMENT_REFERENCE_BODY_LENGTH) : []), ...findCreditorReferences(l.remittance, PAYMENT_REFERENCE_BODY_LENGTH)]),
    ]);
    const allRefs = [...new Set(refsPer.flat())];
    if (!allRefs.length) return applied;
    const byRef = new Map((await this.lockSettlements(em, allRefs)).map((r) => [r.rf_reference, r]));
    const touched = new Set<SettlementRow>();
    const drafts: EntryDraft[] = [];
    out.forEach((l, i) => {
      const hits = [...new Set(refsPer[i].map((r) => byRef.get(r)).filter((x): x is SettlementRow => !!x))];
      if (hits.length !== 1) return; // none, or two settlements named: a person decides
      const s = hits[0];
      if (s.currency !== l.currency || BigInt(s.received_minor) < l.amount) return; // more than was received: not ours to guess
      const e = Bookings.settlementReturn(s.office_id, s.currency, l.amount, `Settlement ${s.rf_reference} returned by the bank${l.returnReason ? ` (${l.returnReason})` : ''}`);
      drafts.push(e);
      s.received_minor = (BigInt(s.received_minor) - l.amount).toString();
      touched.add(s);
      applied.set(l.key, { settlementId: s.id, entryId: e.id });
    });
    if (!drafts.length) return applied;
    await this.ledger.post(em, drafts);
    for (const s of touched) {
      await runSql(em, `update escrow.settlement set received_minor = ?, status = case when ?::bigint >= due_minor then status else 'open' end where id = ?`, [
        s.received_minor,
        s.received_minor,
        s.id,
      ]);
    }
    return applied;
  }

  /** Matches and books payments; returns one outcome per payment, in order. Must run inside a transaction. */
  async apply(em: EntityManager, payments: IncomingPayment[]): Promise<PaymentOutcome[]> {
    if (!payments.length) return [];
    const targets = await this.findTargets(em, payments);
    const drafts: EntryDraft[] = [];
    const completed: CompletedPayment[] = [];
    const paymentRows: Record<string, unknown>[] = [];
    const reviewRows: Record<string, unknown>[] = [];
    const settlementUpdates: { id: string; amount: string; paid: boolean }[] = [];
    const outcomes: PaymentOutcome[] = [];
    payments.forEach((p, i) => {
      const t = targets[i];
      const target: MatchTarget | null =
        t?.type === 'order'
          ? { type: 'order', id: t.order.orderId, status: t.order.status, currency: t.order.currency, total: t.order.total, received: t.order.received }
          : t?.type === 'settlement'
            ? { type: 'settlement', id: t.s.id, status: t.s.status, currency: t.s.currency, due: BigInt(t.s.due_minor), received: BigInt(t.s.received_minor) }
            : null;
      const decision = decidePayment(p.amount, p.currency, target);
      const paymentId = newId();
      let entryId: string;
      if (decision.kind === 'apply' && t?.type === 'order') {
        const e = Bookings.orderPayment(t.order, p.amount, p.method === 'card' ? 'Card payment' : 'Bank transfer');
        drafts.push(e);
        entryId = e.id;
        t.order.status = 'paid'; // a second payment for it in the same batch is a duplicate
        t.order.received = t.order.total;
        completed.push({ order: t.order, paymentId, method: p.method, receivedAt: p.receivedAt });
        outcomes.push({ paymentId, outcome: 'matched', orderId: t.order.orderId });
      } else if (decision.kind === 'apply' && t?.type === 'settlement') {
        const e = Bookings.settlementPayment(t.s.office_id, t.s.currency, p.amount, `Settlement ${t.s.rf_reference} paid by presale office`);
        drafts.push(e);
        entryId = e.id;
        t.s.status = 'paid';
        t.s.received_minor = (BigInt(t.s.received_minor) + p.amount).toString();
        settlementUpdates.push({ id: t.s.id, amount: p.amount.toString(), paid: true });
        outcomes.push({ paymentId, outcome: 'matched', settlementId: t.s.id });
      } else {
        const reason = decision.kind === 'review' ? decision.reason : 'unknown';
        const e = Bookings.unallocatedReceipt(p.currency, p.amount, `Payment held for review (${reason}): ${p.remittance.slice(0, 80)}`);
        drafts.push(e);
        entryId = e.id;
        const reviewItemId = newId();
        const orderId = t?.type === 'order' ? t.order.orderId : null;
        reviewRows.push({ id: reviewItemId, payment_id: paymentId, reason, order_id: orderId, currency: p.currency, amount_minor: p.amount.toString() });
        outcomes.push({ paymentId, outcome: 'review', reason, reviewItemId, orderId });
      }
      const applied = outcomes[outcomes.length - 1].outcome === 'matched';
      paymentRows.push({
        id: paymentId,
        method: p.method,
        amount_minor: p.amount.toString(),
        currency: p.currency,
        order_id: applied && t?.type === 'order' ? t.order.orderId : null,
        settlement_id: applied && t?.type === 'settlement' ? t.s.id : null,
        status: applied ? 'applied' : 'review',
        payer_name: p.payerName,
        payer_iban: p.payerIban,
        reference: p.remittance.slice(0, 500),
        bank_transaction_id: p.bankTransactionId ?? null,
        provider: p.provider ?? null,
        provider_event_id: p.providerEventId ?? null,
        entry_id: entryId,
        received_at: p.receivedAt.toISOString(),
      });
    });
    await this.ledger.post(em, drafts);
    for (let i = 0; i < paymentRows.length; i += 2000) {
      await bulkSql(
        em,
        `insert into escrow.payment (id, method, amount_minor, currency, order_id, settlement_id, status, payer_name, payer_iban, reference, bank_transaction_id,
                                     provider, provider_event_id, entry_id, received_at)
         select * from jsonb_to_recordset(?::jsonb) as x(id uuid, method text, amount_minor bigint, currency text, order_id uuid, settlement_id uuid, status text,
              payer_name text, payer_iban text, reference text, bank_transaction_id uuid, provider text, provider_event_id text, entry_id uuid, received_at timestamptz)`,
        [JSON.stringify(paymentRows.slice(i, i + 2000))],
      );
    }
    if (reviewRows.length) {
      await bulkSql(
        em,
        `insert into escrow.review_item (id, payment_id, reason, order_id, currency, amount_minor, open_minor, status)
         select id, payment_id, reason, order_id, currency, amount_minor, amount_minor, 'open'
           from jsonb_to_recordset(?::jsonb) as x(id uuid, payment_id uuid, reason text, order_id uuid, currency text, amount_minor bigint)`,
        [JSON.stringify(reviewRows)],
      );
    }
    for (const s of settlementUpdates) {
      await runSql(em, `update escrow.settlement set received_minor = received_minor + ?, status = case when ? then 'paid' else status end where id = ?`, [s.amount, s.paid, s.id]);
    }
    await this.book.markPaid(em, completed);
    return outcomes;
  }

  /** Settlements by RF reference, locked in id order (concurrent imports serialize instead of double-booking). */
  private lockSettlements(em: EntityManager, refs: string[]): Promise<SettlementRow[]> {
    return bulkSql<SettlementRow>(
      em,
      `select id, office_id, currency, due_minor::text, received_minor::text, status, rf_reference from escrow.settlement where rf_reference = any(?::text[]) order by id for update`,
      [pgArray(refs)],
    );
  }

  private async findTargets(em: EntityManager, payments: IncomingPayment[]): Promise<({ type: 'order'; order: OrderRow } | { type: 'settlement'; s: SettlementRow } | null)[]> {
    const refsPer = payments.map((p) => (p.orderIdHint ? [] : findCreditorReferences(p.remittance, PAYMENT_REFERENCE_BODY_LENGTH)));
    const allRefs = [...new Set(refsPer.flat())];
    const hints = [...new Set(payments.map((p) => p.orderIdHint).filter((x): x is string => !!x))];
    const byRef = new Map<string, OrderRow>();
    const byId = new Map<string, OrderRow>();
    const byNumber = new Map<string, OrderRow>();
    const settlements = new Map<string, SettlementRow>();
    const take = (rows: Parameters<typeof toOrder>[0][]) =>
      rows.map(toOrder).forEach((o) => {
        if (byId.has(o.orderId)) return;
        byId.set(o.orderId, o);
        if (o.rfReference) byRef.set(o.rfReference, o);
        byNumber.set(normalizeReference(o.orderNumber), o);
      });
    // Locked in id order: concurrent imports / webhooks for the same order serialize instead of double-crediting.
    if (allRefs.length || hints.length) {
      take(
        await bulkSql(em, `select ${ORDER_COLUMNS} from escrow.order_account where rf_reference = any(?::text[]) or order_id = any(?::uuid[]) order by order_id for update`, [
          pgArray(allRefs),
          pgArray(hints),
        ]),
      );
    }
    const missingRefs = allRefs.filter((r) => !byRef.has(r));
    if (missingRefs.length) {
      (await this.lockSettlements(em, missingRefs)).forEach((s) => settlements.set(s.rf_reference, s));
    }
    // Fallback: the order number anywhere in the remittance text (spaces, dashes, case and line breaks ignored).
    const needNumber = payments.map((p, i) => !p.orderIdHint && !refsPer[i].some((r) => byRef.has(r) || settlements.has(r)));
    const candidatesPer = payments.map((p, i) => (needNumber[i] ? numberCandidates(p.remittance) : []));
    const allCands = [...new Set(candidatesPer.flat())];
    if (allCands.length) {
      take(await bulkSql(em, `select ${ORDER_COLUMNS} from escrow.order_account where order_number_norm = any(?::text[]) order by order_id for update`, [pgArray(allCands)]));
    }
    return payments.map((p, i) => {
      if (p.orderIdHint) {
        const o = byId.get(p.orderIdHint);
        return o ? { type: 'order' as const, order: o } : null;
      }
      const hitsRef = refsPer[i].map((r) => byRef.get(r)).filter((x): x is OrderRow => !!x);
      const hitsSettlement = refsPer[i].map((r) => settlements.get(r)).filter((x): x is SettlementRow => !!x);
      const distinct = new Set([...hitsRef.map((o) => o.orderId), ...hitsSettlement.map((s) => s.id)]);
      if (distinct.size === 1) return hitsRef[0] ? { type: 'order' as const, order: hitsRef[0] } : { type: 'settlement' as const, s: hitsSettlement[0] };
      if (distinct.size > 1) return null; // two references in one transfer: a person decides
      const byNum = new Set(candidatesPer[i].map((c) => byNumber.get(c)).filter((x): x is OrderRow => !!x));
      return byNum.size === 1 ? { type: 'order' as const, order: [...byNum][0] } : null;
    });
  }
}

/** Every alphanumeric run of 6–20 characters, plus concatenations across separators/line breaks (up to 3 pieces). */
function numberCandidates(text: string): string[] {
  const tokens = text.toUpperCase().split(/[^0-9A-Z]+/).filter(Boolean);
  const out = new Set<string>();
  for (let i = 0; i < tokens.length && out.size < 400; i++) {
    let acc = '';
    for (let j = i; j < Math.min(tokens.length, i + 3); j++) {
      acc += tokens[j];
      if (acc.length >= 6 && acc.length <= 20 && /[0-9]/.test(acc)) out.add(acc);
    }
  }
  return [...out];
}
