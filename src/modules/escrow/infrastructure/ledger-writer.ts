import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { bulkSql, pgArray } from './bulk-sql';
import { ACCOUNT_RULES, accountId, AccountRef, assertBalanced, EntryDraft, PostingDraft } from '../domain/ledger';

/** Translates the database's ledger guards into domain errors (the DB is the last line; the domain checks first). */
export function ledgerDbError(e: unknown): never {
  const msg = (e as Error)?.message ?? '';
  if (msg.includes('account_balance_not_negative')) {
    const account = /Failing row contains \(([0-9a-f-]{36})/.exec(String((e as { detail?: string }).detail ?? msg))?.[1];
    throw new DomainError('ESCROW.INSUFFICIENT_BALANCE', 'the booking would make an account negative that must not go negative', 'conflict', account ? { accountId: account } : undefined);
  }
  if (msg.includes('ESCROW.UNBALANCED_ENTRY')) throw new DomainError('ESCROW.UNBALANCED_ENTRY', msg.replace(/^.*ESCROW\.UNBALANCED_ENTRY: /s, ''), 'unprocessable');
  if (msg.includes('journal_entry_reverses_entry_id_key')) throw new DomainError('ESCROW.ALREADY_REVERSED', 'entry already reversed', 'conflict');
  throw e;
}

/**
 * Persists journal entries set-based: accounts (deterministic ids, created on first use), entries and postings in
 * three statements however many entries there are — the statement import books thousands per transaction. Runs in
 * the caller's transaction; the database checks the zero sum per entry at commit.
 */
@Injectable()
export class LedgerWriter {
  async post(em: EntityManager, drafts: (EntryDraft | null | undefined)[]): Promise<void> {
    const list = drafts.filter((d): d is EntryDraft => !!d);
    if (list.length === 0) return;
    if (!em.isInTransaction()) throw new Error('LedgerWriter.post must run inside a transaction');
    for (const d of list) assertBalanced(d);
    const accounts = new Map<string, AccountRef>();
    for (const d of list) for (const p of d.postings) accounts.set(p.account.code, p.account);
    await this.ensureAccounts(em, [...accounts.values()]);
    const CHUNK = 2000;
    try {
      for (let i = 0; i < list.length; i += CHUNK) {
        const part = list.slice(i, i + CHUNK);
        await bulkSql(
          em,
          `insert into escrow.journal_entry (id, kind, status, currency, description, order_id, event_id, reverses_entry_id)
           select id, kind, status, currency, description, order_id, event_id, reverses_entry_id
             from jsonb_to_recordset(?::jsonb) as x(id uuid, kind text, status text, currency text, description text, order_id uuid, event_id uuid, reverses_entry_id uuid)`,
          [
            JSON.stringify(
              part.map((d) => ({
                id: d.id,
                kind: d.kind,
                status: d.status,
                currency: d.currency,
                description: d.description,
                order_id: d.orderId ?? null,
                event_id: d.eventId ?? null,
                reverses_entry_id: d.reversesEntryId ?? null,
              })),
            ),
          ],
        );
        await bulkSql(
          em,
          `insert into escrow.posting (entry_id, account_id, amount_minor, currency)
           select entry_id, account_id, amount_minor, currency
             from jsonb_to_recordset(?::jsonb) as x(entry_id uuid, account_id uuid, amount_minor bigint, currency text)`,
          [JSON.stringify(part.flatMap((d) => d.postings.map((p) => ({ entry_id: d.id, account_id: accountId(p.account.code), amount_minor: p.amount.toString(), currency: p.account.currency }))))],
        );
      }
    } catch (e) {
      ledgerDbError(e);
    }
  }

  /** pending → posted (payment arrived) or pending → voided (order expired / cancelled unpaid). */
  async transition(em: EntityManager, entryIds: string[], to: 'posted' | 'voided'): Promise<void> {
    if (!entryIds.length) return;
    try {
      await bulkSql(em, `update escrow.journal_entry set status = ? where id = any(?::uuid[]) and status = 'pending'`, [to, pgArray(entryIds)]);
    } catch (e) {
      ledgerDbError(e);
    }
  }

  /** Loads posted entries (for reversals). */
  async load(em: EntityManager, entryIds: string[]): Promise<(EntryDraft & { postings: PostingDraft[] })[]> {
    if (!entryIds.length) return [];
    const rows = await runSql<{ id: string; kind: string; status: string; currency: string; order_id: string | null; event_id: string | null; description: string; postings: { code: string; type: string; owner_id: string | null; event_id: string | null; amount: string }[] }>(
      em,
      `select e.id, e.kind, e.status, e.currency, e.order_id, e.event_id, e.description,
              json_agg(json_build_object('code', a.code, 'type', a.type, 'owner_id', a.owner_id, 'event_id', a.event_id, 'amount', p.amount_minor::text) order by p.id) postings
         from escrow.journal_entry e join escrow.posting p on p.entry_id = e.id join escrow.account a on a.id = p.account_id
        where e.id = any(?::uuid[]) group by e.id`,
      [entryIds],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status as 'posted',
      currency: r.currency,
      description: r.description,
      orderId: r.order_id,
      eventId: r.event_id,
      postings: r.postings.map((p) => ({
        account: { code: p.code, type: p.type as AccountRef['type'], currency: r.currency, ownerId: p.owner_id, eventId: p.event_id },
        amount: BigInt(p.amount),
      })),
    }));
  }

  private async ensureAccounts(em: EntityManager, refs: AccountRef[]): Promise<void> {
    await bulkSql(
      em,
      `insert into escrow.account (id, code, type, owner_id, event_id, currency, normal_side, may_go_negative, name)
       select id, code, type, owner_id, event_id, currency, normal_side, may_go_negative, name
         from jsonb_to_recordset(?::jsonb) as x(id uuid, code text, type text, owner_id uuid, event_id uuid, currency text, normal_side smallint, may_go_negative boolean, name text)
       on conflict (code) do nothing`,
      [
        JSON.stringify(
          refs.map((a) => ({
            id: accountId(a.code),
            code: a.code,
            type: a.type,
            owner_id: a.ownerId ?? null,
            event_id: a.eventId ?? null,
            currency: a.currency,
            normal_side: ACCOUNT_RULES[a.type].normalSide,
            may_go_negative: ACCOUNT_RULES[a.type].mayGoNegative,
            name: ACCOUNT_RULES[a.type].label,
          })),
        ),
      ],
    );
  }
}
