import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: SEPA direct-debit mandates of presale offices and direct-debit collection runs (pain.008.001.08).
 * - `sepa_mandate`: one mandate per office (the office is the debtor). `first_collection_run_id` is null until the
 *   mandate was used in a collection run → sequence type FRST, afterwards RCUR.
 * - `settlement.collection_method`: `transfer` (the office pays by itself) or `direct-debit` (decided when the
 *   settlement is created: the office has a mandate). `collection_run_id` is set when a run collects it — at most once
 *   (the column can only go from null to a value, enforced by a trigger).
 */
export class Migration20261204002700_escrow_sepa_mandate extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table escrow.sepa_mandate (
  office_id uuid primary key,
  mandate_id text not null check (length(mandate_id) between 1 and 35),
  signed_on date not null,
  debtor_name text not null check (length(debtor_name) between 1 and 70),
  debtor_iban text not null check (debtor_iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
  debtor_bic text check (debtor_bic is null or debtor_bic ~ '^[A-Z0-9]{8}([A-Z0-9]{3})?$'),
  first_collection_run_id uuid,
  updated_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table escrow.collection_run (
  id uuid primary key,
  message_id text not null unique,
  currency char(3) not null,
  count int not null check (count > 0),
  total_minor bigint not null check (total_minor > 0),
  collection_date date not null,
  xml text not null,
  created_by uuid,
  created_at timestamptz not null default now()
);

alter table escrow.settlement
  add column collection_method text not null default 'transfer' check (collection_method in ('transfer', 'direct-debit')),
  add column collection_run_id uuid references escrow.collection_run (id),
  add column sequence_type text check (sequence_type in ('FRST', 'RCUR')),
  add check (collection_run_id is null or collection_method = 'direct-debit');
create index settlement_open_direct_debit_idx on escrow.settlement (created_at) where collection_method = 'direct-debit' and collection_run_id is null;

create function escrow.settlement_collected_once() returns trigger language plpgsql as $$
begin
  if old.collection_run_id is not null and new.collection_run_id is distinct from old.collection_run_id then
    raise exception 'settlement % was already collected in run %', old.id, old.collection_run_id using errcode = '23514';
  end if;
  return new;
end $$;
create trigger settlement_collected_once before update of collection_run_id on escrow.settlement
  for each row execute function escrow.settlement_collected_once();
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop trigger if exists settlement_collected_once on escrow.settlement;
drop function if exists escrow.settlement_collected_once();
alter table escrow.settlement drop column if exists sequence_type, drop column if exists collection_run_id, drop column if exists collection_method;
drop table if exists escrow.collection_run, escrow.sepa_mandate;`);
  }
}
