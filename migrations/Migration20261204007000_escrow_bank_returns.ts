import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: returned and reversed bank bookings are kept (they were skipped before). A statement line the bank takes
 * back (camt RvslInd / MT940 RC, RD) or a returned payment / direct debit (camt RtrInf) is stored with outcome
 * `returned`, its flags, and — when it could be applied automatically (a returned direct debit of a settlement) — the
 * settlement it reopened and the journal entry that booked it.
 */
export class Migration20261204007000_escrow_bank_returns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table escrow.bank_transaction drop constraint bank_transaction_outcome_check;
alter table escrow.bank_transaction add constraint bank_transaction_outcome_check check (outcome in ('matched', 'review', 'outgoing', 'returned'));
alter table escrow.bank_transaction
  add column reversal boolean not null default false,
  add column return_reason text,
  add column settlement_id uuid references escrow.settlement (id),
  add column entry_id uuid references escrow.journal_entry (id),
  add constraint bank_transaction_returned_check check (outcome <> 'returned' or reversal or return_reason is not null),
  add constraint bank_transaction_applied_return_check check ((settlement_id is null) = (entry_id is null));
create index bank_transaction_returned_idx on escrow.bank_transaction (currency, booking_date) where outcome = 'returned';
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop index if exists escrow.bank_transaction_returned_idx;
alter table escrow.bank_transaction drop constraint if exists bank_transaction_applied_return_check, drop constraint if exists bank_transaction_returned_check,
  drop column if exists entry_id, drop column if exists settlement_id, drop column if exists return_reason, drop column if exists reversal;
update escrow.bank_transaction set outcome = 'outgoing' where outcome = 'returned';
alter table escrow.bank_transaction drop constraint bank_transaction_outcome_check;
alter table escrow.bank_transaction add constraint bank_transaction_outcome_check check (outcome in ('matched', 'review', 'outgoing'));
`);
  }
}
