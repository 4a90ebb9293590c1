import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: the commit-time zero-sum check in one index scan instead of two (count and sum together). Currency mixing
 * inside an entry is refused earlier, per statement, by posting_balances_trg (posting currency = entry currency),
 * so the plain sum is the per-currency sum.
 */
export class Migration20261204002300_escrow_entry_check_single_query extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create or replace function escrow.check_entry_balanced(p_entry uuid) returns void language plpgsql as $$
declare n int; s bigint;
begin
  select count(*), coalesce(sum(amount_minor), 0) into n, s from escrow.posting where entry_id = p_entry;
  if n < 2 then
    raise exception 'ESCROW.UNBALANCED_ENTRY: journal entry % has % posting(s); at least two are required', p_entry, n
      using errcode = '23514';
  end if;
  if s <> 0 then
    raise exception 'ESCROW.UNBALANCED_ENTRY: postings of journal entry % do not sum to zero (%)', p_entry, s
      using errcode = '23514';
  end if;
end $$;`);
  }

  override async down(): Promise<void> {
    // Previous body: Migration20261204002000_escrow_ledger (two queries, per-currency grouping).
  }
}
