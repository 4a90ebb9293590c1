import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: a SEPA refund the customer's bank sends back (closed account, wrong IBAN) is `returned`: the money is on
 * the trust account again and still owed, so a replacement refund (pending, no IBAN until one is set) takes its place
 * (`replaces_refund_id`, at most one per returned refund).
 * A statement line applied to such a return names the refund (`bank_transaction.refund_id`).
 */
export class Migration20261204007100_escrow_refund_returns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table escrow.refund drop constraint refund_status_check;
alter table escrow.refund add constraint refund_status_check check (status in ('pending', 'issued', 'returned'));
alter table escrow.refund
  add column replaces_refund_id uuid references escrow.refund (id),
  add column return_entry_id uuid references escrow.journal_entry (id),
  add constraint refund_returned_check check ((status = 'returned') = (return_entry_id is not null));
create unique index refund_replaced_once on escrow.refund (replaces_refund_id) where replaces_refund_id is not null;
alter table escrow.bank_transaction
  add column refund_id uuid references escrow.refund (id),
  drop constraint bank_transaction_applied_return_check,
  add constraint bank_transaction_applied_return_check
    check (num_nonnulls(settlement_id, refund_id) <= 1 and (num_nonnulls(settlement_id, refund_id) = 1) = (entry_id is not null));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table escrow.bank_transaction drop constraint bank_transaction_applied_return_check, drop column if exists refund_id;
alter table escrow.bank_transaction add constraint bank_transaction_applied_return_check check ((settlement_id is null) = (entry_id is null));
drop index if exists escrow.refund_replaced_once;
alter table escrow.refund drop constraint refund_returned_check, drop column if exists return_entry_id, drop column if exists replaces_refund_id;
alter table escrow.refund drop constraint refund_status_check;
alter table escrow.refund add constraint refund_status_check check (status in ('pending', 'issued'));
`);
  }
}
