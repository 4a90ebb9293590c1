import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: the double-entry ledger of the trust account and the payment / settlement / payout tables around it.
 *
 * Invariants the DATABASE enforces (not only the code):
 * - every journal entry's postings sum to zero per currency, and an entry has at least two postings
 *   (deferred constraint triggers, checked at commit);
 * - postings are immutable (no UPDATE / DELETE / TRUNCATE); journal entries are immutable except for the one status
 *   transition pending → posted | voided; corrections are new entries (reversals, each entry reversed at most once);
 * - a posting's currency equals its account's and its entry's currency;
 * - account balances (posted / pending) are maintained only by triggers, never written directly, and accounts that
 *   must not go negative (bank, payables, fees…) cannot: CHECK on the balance row;
 * - an event is paid out at most once (unique payout per event account).
 */
export class Migration20261204002000_escrow_ledger extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table escrow.account (
  id uuid primary key,
  code text not null unique,
  type text not null check (type in ('escrow-bank','customer-clearing','organizer-payable','office-receivable','platform-fees',
                                     'presale-commission','refunds-payable','guarantee-fund','unallocated')),
  owner_id uuid,
  event_id uuid,
  currency char(3) not null,
  normal_side smallint not null check (normal_side in (1, -1)),
  may_go_negative boolean not null,
  name text not null,
  created_at timestamptz not null default now()
);
create index account_owner_idx on escrow.account (owner_id);
create index account_event_idx on escrow.account (event_id);

create table escrow.account_balance (
  account_id uuid primary key references escrow.account (id),
  normal_side smallint not null,
  may_go_negative boolean not null,
  posted_minor bigint not null default 0,
  pending_minor bigint not null default 0,
  constraint account_balance_not_negative check (may_go_negative or normal_side * posted_minor >= 0)
);

create table escrow.journal_entry (
  id uuid primary key,
  seq bigint generated always as identity unique,
  kind text not null,
  status text not null check (status in ('pending', 'posted', 'voided')),
  currency char(3) not null,
  description text not null,
  order_id uuid,
  event_id uuid,
  reverses_entry_id uuid unique references escrow.journal_entry (id),
  created_at timestamptz not null default now(),
  status_changed_at timestamptz
);
create index journal_entry_order_idx on escrow.journal_entry (order_id);
create index journal_entry_event_idx on escrow.journal_entry (event_id);

create table escrow.posting (
  id bigint generated always as identity primary key,
  entry_id uuid not null references escrow.journal_entry (id),
  account_id uuid not null references escrow.account (id),
  amount_minor bigint not null check (amount_minor <> 0),
  currency char(3) not null
);
create index posting_entry_idx on escrow.posting (entry_id);
create index posting_account_idx on escrow.posting (account_id);

-- Zero-sum per entry, checked at commit (deferred) so an entry's postings may be inserted in several statements.
create function escrow.check_entry_balanced(p_entry uuid) returns void language plpgsql as $$
declare n int; bad text;
begin
  select count(*) into n from escrow.posting where entry_id = p_entry;
  if n < 2 then
    raise exception 'ESCROW.UNBALANCED_ENTRY: journal entry % has % posting(s); at least two are required', p_entry, n
      using errcode = '23514';
  end if;
  select string_agg(currency || ' ' || s::text, ', ') into bad
    from (select currency, sum(amount_minor) s from escrow.posting where entry_id = p_entry group by currency) x where s <> 0;
  if bad is not null then
    raise exception 'ESCROW.UNBALANCED_ENTRY: postings of journal entry % do not sum to zero (%)', p_entry, bad
      using errcode = '23514';
  end if;
end $$;
create function escrow.posting_balanced_trg() returns trigger language plpgsql as $$
begin perform escrow.check_entry_balanced(new.entry_id); return null; end $$;
create function escrow.entry_balanced_trg() returns trigger language plpgsql as $$
begin perform escrow.check_entry_balanced(new.id); return null; end $$;
create constraint trigger posting_balanced after insert on escrow.posting
  deferrable initially deferred for each row execute function escrow.posting_balanced_trg();
create constraint trigger entry_balanced after insert on escrow.journal_entry
  deferrable initially deferred for each row execute function escrow.entry_balanced_trg();

-- Immutability.
create function escrow.refuse_change_trg() returns trigger language plpgsql as $$
begin
  raise exception 'ESCROW.LEDGER_IMMUTABLE: % on escrow.% is not allowed; correct with a reversal entry', tg_op, tg_table_name
    using errcode = '42501';
end $$;
create trigger posting_immutable before update or delete on escrow.posting for each row execute function escrow.refuse_change_trg();
create trigger posting_no_truncate before truncate on escrow.posting for each statement execute function escrow.refuse_change_trg();
create trigger entry_no_delete before delete on escrow.journal_entry for each row execute function escrow.refuse_change_trg();
create trigger entry_no_truncate before truncate on escrow.journal_entry for each statement execute function escrow.refuse_change_trg();

create function escrow.entry_update_trg() returns trigger language plpgsql as $$
begin
  if (new.id, new.seq, new.kind, new.currency, new.description, new.order_id, new.event_id, new.reverses_entry_id, new.created_at)
     is distinct from
     (old.id, old.seq, old.kind, old.currency, old.description, old.order_id, old.event_id, old.reverses_entry_id, old.created_at) then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: journal entries are immutable; correct with a reversal entry' using errcode = '42501';
  end if;
  if new.status is distinct from old.status and not (old.status = 'pending' and new.status in ('posted', 'voided')) then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: journal entry status % -> % is not allowed', old.status, new.status using errcode = '42501';
  end if;
  if new.status is distinct from old.status then new.status_changed_at := now(); end if;
  return new;
end $$;
create trigger entry_update before update on escrow.journal_entry for each row execute function escrow.entry_update_trg();

create function escrow.entry_insert_trg() returns trigger language plpgsql as $$
begin
  if new.status = 'voided' then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: an entry cannot be created voided' using errcode = '23514';
  end if;
  if new.reverses_entry_id is not null and not exists (
       select 1 from escrow.journal_entry where id = new.reverses_entry_id and status = 'posted') then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: only posted entries can be reversed' using errcode = '23514';
  end if;
  return new;
end $$;
create trigger entry_insert before insert on escrow.journal_entry for each row execute function escrow.entry_insert_trg();

-- Balances: maintained per statement from transition tables (one update per account per statement, not per row).
create function escrow.posting_balances_trg() returns trigger language plpgsql as $$
begin
  if exists (select 1 from new_rows p join escrow.account a on a.id = p.account_id where a.currency <> p.currency)
     or exists (select 1 from new_rows p join escrow.journal_entry e on e.id = p.entry_id where e.currency <> p.currency) then
    raise exception 'ESCROW.CURRENCY_MISMATCH: a posting''s currency must equal its account''s and its entry''s' using errcode = '23514';
  end if;
  insert into escrow.account_balance as b (account_id, normal_side, may_go_negative, posted_minor, pending_minor)
  select a.id, a.normal_side, a.may_go_negative,
         coalesce(sum(p.amount_minor) filter (where e.status = 'posted'), 0),
         coalesce(sum(p.amount_minor) filter (where e.status = 'pending'), 0)
    from new_rows p join escrow.journal_entry e on e.id = p.entry_id join escrow.account a on a.id = p.account_id
   group by a.id, a.normal_side, a.may_go_negative
  on conflict (account_id) do update
     set posted_minor = b.posted_minor + excluded.posted_minor, pending_minor = b.pending_minor + excluded.pending_minor;
  return null;
end $$;
create trigger posting_balances after insert on escrow.posting referencing new table as new_rows
  for each statement execute function escrow.posting_balances_trg();

create function escrow.entry_status_balances_trg() returns trigger language plpgsql as $$
begin
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
end $$;
create trigger entry_status_balances after update on escrow.journal_entry referencing old table as old_rows new table as new_rows
  for each statement execute function escrow.entry_status_balances_trg();

-- Balance rows are written by the triggers above only (trigger depth >= 2).
create function escrow.balance_guard_trg() returns trigger language plpgsql as $$
begin
  if pg_trigger_depth() < 2 then
    raise exception 'ESCROW.LEDGER_IMMUTABLE: balances are derived from postings and cannot be written directly' using errcode = '42501';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;
create trigger balance_guard before insert or update or delete on escrow.account_balance
  for each row execute function escrow.balance_guard_trg();

create sequence escrow.payment_reference_seq start 100000;

create table escrow.fee_contract (
  organizer_id uuid primary key,
  currency char(3) not null,
  system_fee_per_ticket_minor bigint not null check (system_fee_per_ticket_minor >= 0),
  commission_bp int not null check (commission_bp between 0 and 10000),
  commission_min_per_ticket_minor bigint not null check (commission_min_per_ticket_minor >= 0),
  guarantee_per_mille int not null check (guarantee_per_mille between 0 and 1000),
  updated_at timestamptz not null default now(),
  updated_by uuid
);

create table escrow.payee_account (
  organization_id uuid primary key,
  holder_name text not null,
  iban text not null,
  bic text,
  updated_at timestamptz not null default now()
);

create table escrow.order_account (
  order_id uuid primary key,
  order_number text not null unique,
  order_number_norm text not null unique,
  organizer_id uuid not null,
  event_id uuid not null,
  event_name text not null,
  event_starts_at timestamptz not null,
  channel text not null check (channel in ('online', 'box-office', 'presale-office')),
  office_id uuid,
  currency char(3) not null,
  total_minor bigint not null check (total_minor >= 0),
  received_minor bigint not null default 0 check (received_minor >= 0),
  ticket_prices bigint[] not null,
  rf_reference text unique,
  status text not null check (status in ('awaiting-payment', 'awaiting-counter-payment', 'paid', 'expired', 'cancelled', 'refunded')),
  payment_deadline timestamptz,
  sale_entry_id uuid references escrow.journal_entry (id),
  fee_entry_id uuid references escrow.journal_entry (id),
  customer_name text,
  settlement_id uuid,
  placed_at timestamptz not null,
  paid_at timestamptz,
  updated_at timestamptz not null default now()
);
create index order_account_event_idx on escrow.order_account (event_id, status);
create index order_account_office_idx on escrow.order_account (office_id, status) where office_id is not null;

create table escrow.statement_import (
  id uuid primary key,
  format text not null check (format in ('camt.053', 'mt940')),
  checksum text not null unique,
  file_name text,
  account_iban text,
  statement_id text,
  currency char(3),
  closing_balance_minor bigint,
  closing_date date,
  tx_count int not null,
  new_tx_count int not null,
  matched_count int not null,
  review_count int not null,
  created_by uuid,
  created_at timestamptz not null default now()
);

create table escrow.bank_transaction (
  id uuid primary key,
  import_id uuid not null references escrow.statement_import (id),
  tx_key text not null unique,
  direction text not null check (direction in ('credit', 'debit')),
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  booking_date date,
  remittance text,
  end_to_end_id text,
  counterparty_name text,
  counterparty_iban text,
  outcome text not null check (outcome in ('matched', 'review', 'outgoing')),
  payment_id uuid,
  created_at timestamptz not null default now()
);

create table escrow.payment (
  id uuid primary key,
  method text not null check (method in ('bank-transfer', 'card')),
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  order_id uuid,
  settlement_id uuid,
  status text not null check (status in ('applied', 'review', 'resolved')),
  payer_name text,
  payer_iban text,
  reference text,
  bank_transaction_id uuid unique,
  provider text,
  provider_event_id text,
  entry_id uuid not null references escrow.journal_entry (id),
  received_at timestamptz not null,
  created_at timestamptz not null default now(),
  unique (provider, provider_event_id)
);
create index payment_order_idx on escrow.payment (order_id);

create table escrow.review_item (
  id uuid primary key,
  payment_id uuid not null unique references escrow.payment (id),
  reason text not null check (reason in ('partial', 'excess', 'late', 'unknown', 'duplicate', 'cancelled-order')),
  order_id uuid,
  currency char(3) not null,
  amount_minor bigint not null check (amount_minor > 0),
  open_minor bigint not null check (open_minor >= 0),
  status text not null check (status in ('open', 'resolved')),
  resolution jsonb not null default '[]',
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  check ((status = 'resolved') = (open_minor = 0))
);
create index review_item_open_idx on escrow.review_item (status, created_at);

create table escrow.card_event (
  provider text not null,
  event_id text not null,
  type text not null,
  payment_id uuid,
  received_at timestamptz not null default now(),
  primary key (provider, event_id)
);
create table escrow.card_checkout (
  id uuid primary key,
  provider text not null,
  order_id uuid not null,
  amount_minor bigint not null,
  currency char(3) not null,
  created_at timestamptz not null default now()
);

create table escrow.payout_run (
  id uuid primary key,
  kind text not null check (kind in ('organizer-payout', 'refund')),
  message_id text not null unique,
  currency char(3) not null,
  total_minor bigint not null,
  count int not null,
  xml text not null,
  created_by uuid,
  created_at timestamptz not null default now()
);

create table escrow.payout (
  id uuid primary key,
  run_id uuid not null references escrow.payout_run (id),
  organizer_id uuid not null,
  event_id uuid not null unique,
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  end_to_end_id text not null unique,
  entry_id uuid not null references escrow.journal_entry (id),
  created_at timestamptz not null default now()
);

create table escrow.refund (
  id uuid primary key,
  order_id uuid,
  order_number text,
  payment_id uuid,
  review_item_id uuid,
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  reason text not null,
  method text not null check (method in ('sepa', 'card')),
  creditor_name text,
  creditor_iban text,
  status text not null check (status in ('pending', 'issued')),
  run_id uuid references escrow.payout_run (id),
  end_to_end_id text not null unique,
  entry_id uuid not null references escrow.journal_entry (id),
  issue_entry_id uuid references escrow.journal_entry (id),
  created_at timestamptz not null default now(),
  issued_at timestamptz
);
create unique index refund_order_once on escrow.refund (order_id) where order_id is not null and review_item_id is null;

create table escrow.settlement (
  id uuid primary key,
  office_id uuid not null,
  currency char(3) not null,
  period_from date not null,
  period_to date not null,
  order_count int not null,
  gross_minor bigint not null,
  commission_minor bigint not null,
  due_minor bigint not null,
  received_minor bigint not null default 0,
  rf_reference text not null unique,
  status text not null check (status in ('open', 'paid')),
  entry_id uuid references escrow.journal_entry (id),
  created_at timestamptz not null default now(),
  check (period_from <= period_to)
);
create index settlement_office_idx on escrow.settlement (office_id, period_from);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table if exists escrow.settlement, escrow.refund, escrow.payout, escrow.payout_run, escrow.card_checkout, escrow.card_event,
  escrow.review_item, escrow.payment, escrow.bank_transaction, escrow.statement_import, escrow.order_account, escrow.payee_account,
  escrow.fee_contract cascade;
drop sequence if exists escrow.payment_reference_seq;
drop table if exists escrow.posting, escrow.journal_entry, escrow.account_balance, escrow.account cascade;
drop function if exists escrow.check_entry_balanced(uuid), escrow.posting_balanced_trg(), escrow.entry_balanced_trg(), escrow.refuse_change_trg(),
  escrow.entry_update_trg(), escrow.entry_insert_trg(), escrow.posting_balances_trg(), escrow.entry_status_balances_trg(), escrow.balance_guard_trg();`);
  }
}
