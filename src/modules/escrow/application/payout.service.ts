import { integrationEvent, Outbox } from '../../../infrastructure/messaging/outbox';
import { ESCROW_EVENT_TYPES, PayoutReturned } from '../contracts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { CLOCK, Clock } from '../../../shared-kernel/clock';
import { DomainError } from '../../../shared-kernel/domain-error';
import { newId } from '../../../shared-kernel/ids';
import { Bookings } from '../domain/bookings';
import { EntryDraft } from '../domain/ledger';
import { pairReturns, ReturnedTransfer } from '../domain/statement';
import { pgArray } from '../infrastructure/bulk-sql';
import { LedgerWriter } from '../infrastructure/ledger-writer';
import { writePain001 } from '../infrastructure/sepa/pain001.writer';

export interface PayoutRunResult {
  runId: string | null;
  messageId: string | null;
  count: number;
  total: string;
  currency: string;
  payouts: { eventId: string; organizerId: string; amount: string; endToEndId: string }[];
  skipped: { eventId: string; organizerId: string; reason: string }[];
  xml: string | null;
}

/**
 * Organizer payouts: after the event start + ESCROW_PAYOUT_DELAY_DAYS, each event's posted organizer payable (its
 * revenue minus fees) is paid out in one SEPA credit-transfer file (pain.001.001.09) and the payout entry posted.
 * No payout before the event (date check); none twice (unique paid payout per event in the database). A payout the
 * bank returns (`takeBackReturned`) restores the payable; the event is then paid out again, but not to the account
 * that returned it.
 */
@Injectable()
export class PayoutService {
  constructor(
    private readonly ledger: LedgerWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: Outbox,
  ) {}

  async run(em: EntityManager, opts: { organizerId?: string; eventId?: string; createdBy?: string | null }): Promise<PayoutRunResult> {
    const currency = this.config.ESCROW_CURRENCY;
    const cutoff = new Date(this.clock.now().getTime() - this.config.ESCROW_PAYOUT_DELAY_DAYS * 86400_000);
    const rows = await runSql<{
      organizer_id: string; event_id: string; payable: string; starts_at: Date; open_orders: number; unsettled: number;
      holder_name: string | null; iban: string | null; bic: string | null; returned_here: boolean;
    }>(
      em,
      `select a.owner_id organizer_id, a.event_id, (-b.posted_minor)::text payable, ev.starts_at, ev.open_orders, ev.unsettled, pa.holder_name, pa.iban, pa.bic,
              exists (select 1 from escrow.payout r where r.event_id = a.event_id and r.status = 'returned' and r.creditor_iban = pa.iban) returned_here
         from escrow.account a
         join escrow.account_balance b on b.account_id = a.id
         join lateral (select max(o.event_starts_at) starts_at,
                              count(*) filter (where o.status in ('awaiting-payment', 'awaiting-counter-payment'))::int open_orders,
                              count(*) filter (where o.channel = 'presale-office' and o.status = 'paid' and coalesce(s.status, 'open') <> 'paid')::int unsettled
                         from escrow.order_account o left join escrow.settlement s on s.id = o.settlement_id
                        where o.event_id = a.event_id) ev on true
         left join escrow.payee_account pa on pa.organization_id = a.owner_id
        where a.type = 'organizer-payable' and a.currency = ? and b.posted_minor < 0
          and not exists (select 1 from escrow.payout p where p.event_id = a.event_id and p.status = 'paid')
          and (?::uuid is null or a.owner_id = ?::uuid) and (?::uuid is null or a.event_id = ?::uuid)
        order by a.event_id
        for update of b`,
      [currency, opts.organizerId ?? null, opts.organizerId ?? null, opts.eventId ?? null, opts.eventId ?? null],
    );
    const skipped: PayoutRunResult['skipped'] = [];
    const due = rows.filter((r) => {
      // The trust account pays out only money it holds: presale offices must have settled the event's counter sales.
      const why =
        !r.starts_at || new Date(r.starts_at) > cutoff
          ? 'event not yet past its payout date'
          : r.open_orders > 0
            ? 'orders still awaiting payment'
            : r.unsettled > 0
              ? 'counter sales not yet settled by the presale offices'
              : !r.iban
                ? 'no payee bank account on file'
                : r.returned_here
                  ? 'a payout to this bank account was returned: the organizer must set another account'
                  : null;
      if (why) skipped.push({ eventId: r.event_id, organizerId: r.organizer_id, reason: why });
      return !why;
    });
    if (!due.length) return { runId: null, messageId: null, count: 0, total: '0', currency, payouts: [], skipped, xml: null };
    // Box-office cash the organizer collected itself is still owed to the escrow: it is netted against the payout.
    const boxOffice = new Map(
      (
        await runSql<{ owner_id: string; posted: string }>(
          em,
          `select a.owner_id, b.posted_minor::text posted from escrow.account a join escrow.account_balance b on b.account_id = a.id
            where a.type = 'office-receivable' and a.currency = ? and a.owner_id = any(?::uuid[]) and b.posted_minor > 0 for update of b`,
          [currency, [...new Set(due.map((r) => r.organizer_id))]],
        )
      ).map((r) => [r.owner_id, BigInt(r.posted)]),
    );
    const offsets: EntryDraft[] = [];
    for (const r of due) {
      const owed = boxOffice.get(r.organizer_id) ?? 0n;
      const take = owed < BigInt(r.payable) ? owed : BigInt(r.payable);
      if (take <= 0n) continue;
      offsets.push(Bookings.boxOfficeOffset(r.organizer_id, r.event_id, currency, take));
      boxOffice.set(r.organizer_id, owed - take);
      r.payable = (BigInt(r.payable) - take).toString();
    }
    await this.ledger.post(em, offsets);
    const payable = due.filter((r) => BigInt(r.payable) > 0n);
    if (!payable.length) return { runId: null, messageId: null, count: 0, total: '0', currency, payouts: [], skipped, xml: null };
    const runId = newId();
    const now = this.clock.now();
    const messageId = `PT-PO-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${runId.slice(0, 8)}`;
    const payouts = payable.map((r) => ({ r, id: newId(), amount: BigInt(r.payable), entry: Bookings.payout(r.organizer_id, r.event_id, currency, BigInt(r.payable)) }));
    const e2e = (id: string) => `PO-${id.replace(/-/g, '').slice(0, 24)}`;
    const total = payouts.reduce((a, p) => a + p.amount, 0n);
    const xml = writePain001({
      messageId,
      createdAt: now,
      executionDate: now.toISOString().slice(0, 10),
      currency,
      debtor: { name: this.config.ESCROW_TRUST_ACCOUNT_NAME, iban: this.config.ESCROW_TRUST_ACCOUNT_IBAN, bic: this.config.ESCROW_TRUST_ACCOUNT_BIC },
      transfers: payouts.map((p) => ({
        endToEndId: e2e(p.id),
        amount: p.amount,
        creditorName: p.r.holder_name!,
        creditorIban: p.r.iban!,
        creditorBic: p.r.bic,
        remittance: `ProTicket payout event ${p.r.event_id}`,
      })),
    });
    await this.ledger.post(
      em,
      payouts.map((p) => p.entry),
    );
    await runSql(em, `insert into escrow.payout_run (id, kind, message_id, currency, total_minor, count, xml, created_by) values (?, 'organizer-payout', ?, ?, ?, ?, ?, ?)`, [
      runId,
      messageId,
      currency,
      total.toString(),
      payouts.length,
      xml,
      opts.createdBy ?? null,
    ]);
    try {
      await runSql(
        em,
        `insert into escrow.payout (id, run_id, organizer_id, event_id, amount_minor, currency, end_to_end_id, entry_id, creditor_iban)
         select id, ?, organizer_id, event_id, amount_minor, ?, end_to_end_id, entry_id, creditor_iban
           from jsonb_to_recordset(?::jsonb) as x(id uuid, organizer_id uuid, event_id uuid, amount_minor bigint, end_to_end_id text, entry_id uuid, creditor_iban text)`,
        [
          runId,
          currency,
          JSON.stringify(
            payouts.map((p) => ({
              id: p.id,
              organizer_id: p.r.organizer_id,
              event_id: p.r.event_id,
              amount_minor: p.amount.toString(),
              end_to_end_id: e2e(p.id),
              entry_id: p.entry.id,
              creditor_iban: p.r.iban,
            })),
          ),
        ],
      );
    } catch (e) {
      if (String((e as Error).message).includes('payout_event_id_key')) throw new DomainError('ESCROW.PAYOUT_ALREADY_DONE', 'an event in this run was paid out concurrently', 'conflict');
      throw e;
    }
    return {
      runId,
      messageId,
      count: payouts.length,
      total: total.toString(),
      currency,
      payouts: payouts.map((p) => ({ eventId: p.r.event_id, organizerId: p.r.organizer_id, amount: p.amount.toString(), endToEndId: e2e(p.id) })),
      skipped,
      xml,
    };
  }

  /**
   * Payouts the organizer's bank sent back (a credit with the payout's EndToEndId and amount): the payout becomes
   * `returned` and the event's payable is restored (Dr escrow bank / Cr organizer payable), so a later run pays it
   * again — to another account; `escrow.PayoutReturned` tells the organizer (outbox, same transaction). Must run inside
   * the import's transaction. Returns the applied lines.
   */
  async takeBackReturned(em: EntityManager, lines: ReturnedTransfer[]): Promise<Map<string, { payoutId: string; entryId: string }>> {
    const applied = new Map<string, { payoutId: string; entryId: string }>();
    if (!lines.length) return applied;
    const rows = await runSql<{ id: string; organizer_id: string; event_id: string; amount_minor: string; currency: string; end_to_end_id: string }>(
      em,
      `select id, organizer_id, event_id, amount_minor::text, currency, end_to_end_id from escrow.payout
        where end_to_end_id = any(?::text[]) and status = 'paid' order by id for update`,
      [pgArray([...new Set(lines.map((l) => l.endToEndId))])],
    );
    const events: PayoutReturned[] = [];
    const drafts = pairReturns(lines, rows).map(({ line, sent: p }) => {
      const why = `returned by the bank${line.returnReason ? ` (${line.returnReason})` : ''}`;
      const e = Bookings.payoutReturned(p.organizer_id, p.event_id, p.currency, line.amount, `Payout for event ${p.event_id} ${why}`);
      applied.set(line.key, { payoutId: p.id, entryId: e.id });
      events.push(
        integrationEvent(
          ESCROW_EVENT_TYPES.PayoutReturned,
          {
            payoutId: p.id,
            organizerId: p.organizer_id,
            eventId: p.event_id,
            amount: { minor: p.amount_minor, currency: p.currency },
            returnReason: line.returnReason ?? null,
            endToEndId: p.end_to_end_id,
          },
          p.organizer_id,
        ),
      );
      return e;
    });
    await this.ledger.post(em, drafts);
    for (const [, a] of applied) await runSql(em, `update escrow.payout set status = 'returned', return_entry_id = ? where id = ? and status = 'paid'`, [a.entryId, a.payoutId]);
    if (events.length) await this.outbox.append(em, ...events);
    return applied;
  }
}
