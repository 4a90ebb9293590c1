import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { newId } from '../../../shared-kernel/ids';
import { Bookings } from '../domain/bookings';
import { formatCreditorReference, paymentReferenceFromSequence } from '../domain/rf-reference';
import { LedgerWriter } from '../infrastructure/ledger-writer';

export interface SettlementStatement {
  id: string;
  officeId: string;
  currency: string;
  periodFrom: string;
  periodTo: string;
  orderCount: number;
  gross: string;
  commission: string;
  due: string;
  received: string;
  status: string;
  /** `transfer` (the office pays by itself) or `direct-debit` (collected from the office's mandate account). */
  collectionMethod: 'transfer' | 'direct-debit';
  /** the collection run that included it (direct debit only; null until collected). */
  collectionRunId: string | null;
  paymentReference: string;
  paymentReferencePrinted: string;
  createdAt: string;
  lines: { orderId: string; orderNumber: string; eventName: string; paidAt: string; amount: string; commission: string }[];
}

/**
 * Presale-office settlement: the office's counter sales of a period, its commission and the amount due. Creating a
 * statement books the commission against the receivable (the office keeps it) and gives the statement its own RF
 * reference, so the office's transfer is matched like any other payment. Each order is settled once.
 */
@Injectable()
export class SettlementService {
  constructor(private readonly ledger: LedgerWriter) {}

  async create(em: EntityManager, officeId: string, currency: string, from: string, to: string): Promise<SettlementStatement> {
    if (from > to) throw new DomainError('ESCROW.PERIOD_INVALID', 'periodFrom must not be after periodTo', 'validation');
    const orders = await runSql<{ order_id: string; total_minor: string; commission_minor: string }>(
      em,
      `select order_id, total_minor::text, commission_minor::text from escrow.order_account
        where office_id = ? and channel = 'presale-office' and status = 'paid' and settlement_id is null and currency = ?
          and paid_at >= ?::date and paid_at < (?::date + 1)
        order by order_id for update`,
      [officeId, currency, from, to],
    );
    if (!orders.length) throw new DomainError('ESCROW.NOTHING_TO_SETTLE', 'no unsettled counter sales of this office in the period', 'unprocessable');
    const gross = orders.reduce((a, o) => a + BigInt(o.total_minor), 0n);
    const commission = orders.reduce((a, o) => a + BigInt(o.commission_minor), 0n);
    const id = newId();
    const [seq] = await runSql<{ n: string }>(em, `select nextval('escrow.payment_reference_seq')::text n`);
    const offset = Bookings.settlementCommissionOffset(officeId, currency, commission, `${from}..${to}`);
    await this.ledger.post(em, [offset]);
    await runSql(
      em,
      `insert into escrow.settlement (id, office_id, currency, period_from, period_to, order_count, gross_minor, commission_minor, due_minor, rf_reference, status, entry_id, collection_method)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
               case when ?::bigint > 0 and exists (select 1 from escrow.sepa_mandate m where m.office_id = ?) then 'direct-debit' else 'transfer' end)`,
      [id, officeId, currency, from, to, orders.length, gross.toString(), commission.toString(), (gross - commission).toString(), paymentReferenceFromSequence(BigInt(seq.n)), gross - commission === 0n ? 'paid' : 'open', offset?.id ?? null, (gross - commission).toString(), officeId],
    );
    await runSql(em, `update escrow.order_account set settlement_id = ? where order_id = any(?::uuid[])`, [id, orders.map((o) => o.order_id)]);
    return (await this.get(em, id))!;
  }

  async get(em: EntityManager, id: string, officeId?: string): Promise<SettlementStatement | null> {
    const [s] = await runSql<Record<string, any>>(
      em,
      `select id, office_id, currency, period_from::text, period_to::text, order_count, gross_minor::text, commission_minor::text, due_minor::text,
              received_minor::text, status, rf_reference, created_at, collection_method, collection_run_id from escrow.settlement where id = ? and (?::uuid is null or office_id = ?::uuid)`,
      [id, officeId ?? null, officeId ?? null],
    );
    if (!s) return null;
    const lines = await runSql<Record<string, any>>(
      em,
      `select order_id, order_number, event_name, paid_at, total_minor::text, commission_minor::text from escrow.order_account where settlement_id = ? order by paid_at, order_number`,
      [id],
    );
    return {
      id: s.id,
      officeId: s.office_id,
      currency: s.currency,
      periodFrom: s.period_from,
      periodTo: s.period_to,
      orderCount: s.order_count,
      gross: s.gross_minor,
      commission: s.commission_minor,
      due: s.due_minor,
      received: s.received_minor,
      status: s.status,
      collectionMethod: s.collection_method,
      collectionRunId: s.collection_run_id,
      paymentReference: s.rf_reference,
      paymentReferencePrinted: formatCreditorReference(s.rf_reference),
      createdAt: new Date(s.created_at).toISOString(),
      lines: lines.map((l) => ({ orderId: l.order_id, orderNumber: l.order_number, eventName: l.event_name, paidAt: new Date(l.paid_at).toISOString(), amount: l.total_minor, commission: l.commission_minor })),
    };
  }

  async list(em: EntityManager, officeId: string | null) {
    return runSql(
      em,
      `select id, office_id "officeId", currency, period_from::text "periodFrom", period_to::text "periodTo", order_count "orderCount", gross_minor::text gross,
              commission_minor::text commission, due_minor::text due, received_minor::text received, status, rf_reference "paymentReference",
              collection_method "collectionMethod", collection_run_id "collectionRunId"
         from escrow.settlement where (?::uuid is null or office_id = ?::uuid) order by created_at desc limit 500`,
      [officeId, officeId],
    );
  }
}
