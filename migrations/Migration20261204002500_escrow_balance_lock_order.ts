import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: balance rows are locked in account-id order before a statement updates them, so two statements that touch
 * the same hot rows (bank, clearing, fees) cannot deadlock each other. (Deadlocks across several statements of two
 * commands remain possible; the commands retry — see application/ledger-tx.ts.)
 */
export class Migration20261204002500_escrow_balance_lock_order extends Migration {
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
  order by a.id
  on conflict (account_id) do nothing;
  perform 1 from escrow.account_balance b where b.account_id in (select account_id from new_rows) order by b.account_id for update;
  update escrow.account_balance b
     set posted_minor = b.posted_minor + d.posted, pending_minor = b.pending_minor + d.pending
    from (select p.account_id,
                 coalesce(sum(p.amount_minor) filter (where e.status = 'posted'), 0) posted,
                 coalesce(sum(p.amount_minor) filter (where e.status = 'pending'), 0) pending
            from new_rows p join escrow.journal_entry e on e.id = p.entry_id group by p.account_id) d
   where b.account_id = d.account_id;
  return null;
end $$;

create or replace function escrow.entry_status_balances_trg() returns trigger language plpgsql as $$
begin
  perform 1 from escrow.account_balance b
   where b.account_id in (select p.account_id from new_rows n join old_rows o on o.id = n.id join escrow.posting p on p.entry_id = n.id
                           where o.status = 'pending' and n.status in ('posted', 'voided'))
   order by b.account_id for update;
  update escrow.account_balance b
     set pending_minor = b.pending_minor - d.moved,
         posted_minor = b.posted_minor + d.posted
    from (select p.account_id, sum(p.amount_minor) moved,
                 coalesce(sum(p.amount_minor) filter (where n.status = 'posted'), 0) posted
            from new_rows n join old_rows o on o.id = n.id
            join escrow.posting p on p.entry_id = n.id
           where o.status = 'pending' and n.status in ('posted', 'voided')
           group by p.account_id) d
   where b.account_id = d.account_id;
  return null;
end $$;`);
  }

  override async down(): Promise<void> {
    // Bodies without the ordered locks: Migration20261204002200 / 002000.
  }
}
