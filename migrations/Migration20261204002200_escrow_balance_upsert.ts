import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: balance maintenance fix. INSERT … ON CONFLICT checks the CHECK constraint on the proposed row before it
 * resolves the conflict, so a debit to an existing credit-normal account was refused as if the account were new.
 * Balance rows are now created (zero) first and then updated with the statement's aggregate.
 */
export class Migration20261204002200_escrow_balance_upsert extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create or replace function escrow.posting_balances_trg() returns trigger language plpgsql as $$
begin
  if exists (select 1 from new_rows p join escrow.account a on a.id = p.account_id where a.currency <> p.currency)
     or exists (select 1 from new_rows p join escrow.journal_entry e on e.id = p.entry_id where e.currency <> p.currency) then
    raise exception 'ESCROW.CURRENCY_MISMATCH: a posting''s currency must equal its account''s and its entry''s' using errcode = '23514';
  end if;
  insert into escrow.account_balance (account_id, normal_side, may_go_negative)
  select distinct a.id, a.normal_side, a.may_go_negative from new_rows p join escrow.account a on a.id = p.account_id
  on conflict (account_id) do nothing;
  update escrow.account_balance b
     set posted_minor = b.posted_minor + d.posted, pending_minor = b.pending_minor + d.pending
    from (select p.account_id,
                 coalesce(sum(p.amount_minor) filter (where e.status = 'posted'), 0) posted,
                 coalesce(sum(p.amount_minor) filter (where e.status = 'pending'), 0) pending
            from new_rows p join escrow.journal_entry e on e.id = p.entry_id group by p.account_id) d
   where b.account_id = d.account_id;
  return null;
end $$;`);
  }

  override async down(): Promise<void> {
    // The previous version is the one in Migration20261204002000_escrow_ledger; nothing to undo structurally.
  }
}
