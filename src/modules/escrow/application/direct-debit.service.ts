import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { CLOCK, Clock } from '../../../shared-kernel/clock';
import { newId } from '../../../shared-kernel/ids';
import { SepaMandateInput, validateMandate } from '../domain/sepa-mandate';
import { formatCreditorReference } from '../domain/rf-reference';
import { DirectDebit, writePain008 } from '../infrastructure/sepa/pain008.writer';

export interface CollectionRunResult {
  runId: string | null;
  messageId: string | null;
  count: number;
  total: string;
  currency: string;
  collectionDate: string | null;
  settlements: { settlementId: string; officeId: string; amount: string; sequenceType: 'FRST' | 'RCUR'; mandateId: string; endToEndId: string }[];
  xml: string | null;
}

/**
 * SEPA direct-debit collection of presale-office settlements. An office with a mandate (office = debtor) gets its
 * settlements created as `direct-debit`; a collection run puts every open, not yet collected one into one
 * pain.008.001.08 file (CORE) and marks it collected (at most once — the database refuses a second assignment).
 *
 * Ledger: the run books nothing. The receivable stays on the office until the money is on the trust account: the
 * collection's credit line on the bank statement carries the settlement's RF reference (EndToEndId and remittance
 * information) and the existing matcher books it like the office's own transfer (Dr escrow-bank / Cr office-receivable)
 * and marks the settlement paid. A returned debit (R-transaction, a later DBIT line with the same EndToEndId) reopens
 * the settlement and books the receivable back (PaymentIntake.applyReturns).
 */
@Injectable()
export class DirectDebitService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async setMandate(em: EntityManager, officeId: string, input: SepaMandateInput, by: string | null) {
    const m = validateMandate(input, this.clock.now());
    await runSql(
      em,
      `insert into escrow.sepa_mandate (office_id, mandate_id, signed_on, debtor_name, debtor_iban, debtor_bic, updated_by) values (?, ?, ?, ?, ?, ?, ?)
       on conflict (office_id) do update set mandate_id = excluded.mandate_id, signed_on = excluded.signed_on, debtor_name = excluded.debtor_name,
         debtor_iban = excluded.debtor_iban, debtor_bic = excluded.debtor_bic, updated_by = excluded.updated_by, updated_at = now(),
         -- a new mandate starts with a first collection (FRST) again
         first_collection_run_id = case when escrow.sepa_mandate.mandate_id = excluded.mandate_id then escrow.sepa_mandate.first_collection_run_id end`,
      [officeId, m.mandateId, m.signedOn, m.debtorName, m.debtorIban, m.debtorBic, by],
    );
    return (await this.getMandate(em, officeId))!;
  }

  async getMandate(em: EntityManager, officeId: string) {
    const [m] = await runSql<Record<string, any>>(
      em,
      `select office_id "officeId", mandate_id "mandateId", signed_on::text "signedOn", debtor_name "debtorName", debtor_iban "debtorIban", debtor_bic "debtorBic",
              (first_collection_run_id is not null) "usedBefore", updated_at "updatedAt" from escrow.sepa_mandate where office_id = ?`,
      [officeId],
    );
    return m ?? null;
  }

  async run(em: EntityManager, createdBy: string | null, currency: string): Promise<CollectionRunResult> {
    const rows = await runSql<Record<string, any>>(
      em,
      `select s.id, s.office_id, (s.due_minor - s.received_minor)::text amount, s.rf_reference, s.period_from::text period_from, s.period_to::text period_to,
              m.mandate_id, m.signed_on::text signed_on, m.debtor_name, m.debtor_iban, m.debtor_bic, (m.first_collection_run_id is null) first
         from escrow.settlement s join escrow.sepa_mandate m on m.office_id = s.office_id
        where s.collection_method = 'direct-debit' and s.collection_run_id is null and s.status = 'open' and s.currency = ? and s.due_minor > s.received_minor
        order by s.office_id, s.created_at, s.id
        for update of s, m`,
      [currency],
    );
    const empty: CollectionRunResult = { runId: null, messageId: null, count: 0, total: '0', currency, collectionDate: null, settlements: [], xml: null };
    if (!rows.length) return empty;
    const now = this.clock.now();
    const runId = newId();
    const messageId = `PT-DD-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${runId.slice(0, 8)}`;
    const collectionDate = new Date(now.getTime() + this.config.ESCROW_SEPA_COLLECTION_LEAD_DAYS * 86400_000).toISOString().slice(0, 10);
    const debits: (DirectDebit & { settlementId: string; officeId: string })[] = rows.map((r) => ({
      settlementId: r.id,
      officeId: r.office_id,
      endToEndId: r.rf_reference,
      amount: BigInt(r.amount),
      mandateId: r.mandate_id,
      signedOn: r.signed_on,
      sequenceType: r.first ? 'FRST' : 'RCUR',
      debtorName: r.debtor_name,
      debtorIban: r.debtor_iban,
      debtorBic: r.debtor_bic,
      remittance: `${formatCreditorReference(r.rf_reference)} ProTicket settlement ${r.period_from}..${r.period_to}`,
    }));
    const total = debits.reduce((a, d) => a + d.amount, 0n);
    const xml = writePain008({
      messageId,
      createdAt: now,
      collectionDate,
      currency,
      creditor: { name: this.config.ESCROW_TRUST_ACCOUNT_NAME, iban: this.config.ESCROW_TRUST_ACCOUNT_IBAN, bic: this.config.ESCROW_TRUST_ACCOUNT_BIC ?? null, creditorId: this.config.ESCROW_SEPA_CREDITOR_ID },
      debits,
    });
    await runSql(
      em,
      `insert into escrow.collection_run (id, message_id, currency, count, total_minor, collection_date, xml, created_by) values (?, ?, ?, ?, ?, ?, ?, ?)`,
      [runId, messageId, currency, debits.length, total.toString(), collectionDate, xml, createdBy],
    );
    for (const seq of ['FRST', 'RCUR'] as const) {
      const ids = debits.filter((d) => d.sequenceType === seq).map((d) => d.settlementId);
      if (ids.length) await runSql(em, `update escrow.settlement set collection_run_id = ?, sequence_type = ? where id = any(?::uuid[])`, [runId, seq, ids]);
    }
    await runSql(em, `update escrow.sepa_mandate set first_collection_run_id = ? where first_collection_run_id is null and office_id = any(?::uuid[])`, [
      runId,
      [...new Set(debits.map((d) => d.officeId))],
    ]);
    return {
      runId,
      messageId,
      count: debits.length,
      total: total.toString(),
      currency,
      collectionDate,
      settlements: debits.map((d) => ({ settlementId: d.settlementId, officeId: d.officeId, amount: d.amount.toString(), sequenceType: d.sequenceType, mandateId: d.mandateId, endToEndId: d.endToEndId })),
      xml,
    };
  }

  async getRun(em: EntityManager, id: string) {
    const [r] = await runSql<Record<string, any>>(
      em,
      `select id "runId", message_id "messageId", currency, count, total_minor::text total, collection_date::text "collectionDate", xml, created_at "createdAt" from escrow.collection_run where id = ?`,
      [id],
    );
    return r ?? null;
  }
}
