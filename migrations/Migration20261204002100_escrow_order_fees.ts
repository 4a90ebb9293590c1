import { Migration } from '@mikro-orm/migrations';

/** Escrow: fees booked per order (for settlement statements) and payer data kept for refunds. */
export class Migration20261204002100_escrow_order_fees extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table escrow.order_account
  add column commission_minor bigint not null default 0 check (commission_minor >= 0),
  add column system_fee_minor bigint not null default 0 check (system_fee_minor >= 0),
  add column guarantee_minor bigint not null default 0 check (guarantee_minor >= 0);
alter table escrow.refund add column provider_reference text;
-- Partial refunds may be several per order; a full refund happens once because the order's status moves to 'refunded'.
drop index escrow.refund_order_once;
create index bank_transaction_e2e_idx on escrow.bank_transaction (end_to_end_id) where end_to_end_id is not null;
create index order_account_paid_office_idx on escrow.order_account (office_id, paid_at) where status = 'paid';

-- Uploaded statements waiting for (or done with) the import job. Validated before they are stored.
create table escrow.statement_upload (
  id uuid primary key,
  format text not null check (format in ('camt.053', 'mt940')),
  file_name text,
  content bytea not null,
  status text not null check (status in ('queued', 'imported', 'failed')),
  result jsonb,
  error jsonb,
  created_by uuid,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop table if exists escrow.statement_upload;
drop index if exists escrow.order_account_paid_office_idx;
drop index if exists escrow.bank_transaction_e2e_idx;
alter table escrow.refund drop column if exists provider_reference;
create unique index refund_order_once on escrow.refund (order_id) where order_id is not null and review_item_id is null;
alter table escrow.order_account drop column if exists commission_minor, drop column if exists system_fee_minor, drop column if exists guarantee_minor;`);
  }
}
