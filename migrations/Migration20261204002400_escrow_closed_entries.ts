import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: a journal entry is closed once its transaction commits — postings can only be added in the transaction
 * that created the entry (statement-level check against the entry's creating transaction id, which a trigger sets and
 * nobody can change). With that rule the zero-sum check needs to run once per entry at commit (the entry's deferred
 * trigger), not once per posting: the per-posting constraint trigger is dropped. Same guarantee, ~⅔ fewer commit-time
 * checks on the statement import's hot path.
 */
export class Migration20261204002400_escrow_closed_entries extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table escrow.journal_entry add column created_txid bigint;

create or replace function escrow.entry_insert_trg() returns trigger language plpgsql as $$
begin
  new.created_txid := txid_current();
  if new.status = 'voided' then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: an entry cannot be created voided' using errcode = '23514';
  end if;
  if new.reverses_entry_id is not null and not exists (
       select 1 from escrow.journal_entry where id = new.reverses_entry_id and status = 'posted') then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: only posted entries can be reversed' using errcode = '23514';
  end if;
  return new;
end $$;

create or replace function escrow.entry_update_trg() returns trigger language plpgsql as $$
begin
  if (new.id, new.seq, new.kind, new.currency, new.description, new.order_id, new.event_id, new.reverses_entry_id, new.created_at, new.created_txid)
     is distinct from
     (old.id, old.seq, old.kind, old.currency, old.description, old.order_id, old.event_id, old.reverses_entry_id, old.created_at, old.created_txid) then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: journal entries are immutable; correct with a reversal entry' using errcode = '42501';
  end if;
  if new.status is distinct from old.status and not (old.status = 'pending' and new.status in ('posted', 'voided')) then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: journal entry status % -> % is not allowed', old.status, new.status using errcode = '42501';
  end if;
  if new.status is distinct from old.status then new.status_changed_at := now(); end if;
  return new;
end $$;

create function escrow.posting_entry_open_trg() returns trigger language plpgsql as $$
begin
  if exists (select 1 from new_rows p join escrow.journal_entry e on e.id = p.entry_id
              where e.created_txid is distinct from txid_current()) then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: postings can only be added in the transaction that created their entry' using errcode = '42501';
  end if;
  return null;
end $$;
create trigger posting_entry_open after insert on escrow.posting referencing new table as new_rows
  for each statement execute function escrow.posting_entry_open_trg();

drop trigger posting_balanced on escrow.posting;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
create constraint trigger posting_balanced after insert on escrow.posting
  deferrable initially deferred for each row execute function escrow.posting_balanced_trg();
drop trigger if exists posting_entry_open on escrow.posting;
drop function if exists escrow.posting_entry_open_trg();
alter table escrow.journal_entry drop column if exists created_txid;`);
  }
}
