import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: an organizer payout the bank sends back (closed or wrong account) is `returned`: the money is on the trust
 * account again and the event's payable is restored, so the event can be paid out again — once per event while paid
 * (the unique index now covers paid payouts only), and not to the account that returned it (`creditor_iban` kept).
 * A statement line applied to such a return names the payout (`bank_transaction.payout_id`).
 */
export class Migration20261204007200_escrow_payout_returns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table escrow.payout
  add column status text not null default 'paid' check (status in ('paid', 'returned')),
  add column creditor_iban text,
  add column return_entry_id uuid references escrow.journal_entry (id),
  add constraint payout_returned_check check ((status = 'returned') = (return_entry_id is not null));
alter table escrow.payout drop constraint payout_event_id_key;
create unique index payout_event_id_key on escrow.payout (event_id) where status = 'paid';
alter table escrow.bank_transaction
  add column payout_id uuid references escrow.payout (id),
  drop constraint bank_transaction_applied_return_check,
  add constraint bank_transaction_applied_return_check
    check (num_nonnulls(settlement_id, refund_id, payout_id) <= 1 and (num_nonnulls(settlement_id, refund_id, payout_id) = 1) = (entry_id is not null));
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table escrow.bank_transaction drop constraint bank_transaction_applied_return_check, drop column if exists payout_id;
alter table escrow.bank_transaction add constraint bank_transaction_applied_return_check
  check (num_nonnulls(settlement_id, refund_id) <= 1 and (num_nonnulls(settlement_id, refund_id) = 1) = (entry_id is not null));
drop index escrow.payout_event_id_key;
alter table escrow.payout add constraint payout_event_id_key unique (event_id);
alter table escrow.payout drop constraint payout_returned_check, drop column if exists return_entry_id, drop column if exists creditor_iban, drop column if exists status;
`);
  }
}
