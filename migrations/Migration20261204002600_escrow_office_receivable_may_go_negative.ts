import { Migration } from '@mikro-orm/migrations';

/**
 * Escrow: an office's receivable may go negative (the platform then owes the office), e.g. when a customer is refunded
 * at the counter after the office had settled. The balance guard is lifted for this one data fix only.
 */
export class Migration20261204002600_escrow_office_receivable_may_go_negative extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
update escrow.account set may_go_negative = true where type = 'office-receivable';
alter table escrow.account_balance disable trigger balance_guard;
update escrow.account_balance b set may_go_negative = true from escrow.account a where a.id = b.account_id and a.type = 'office-receivable';
alter table escrow.account_balance enable trigger balance_guard;`);
  }

  override async down(): Promise<void> {
    // Not reverted: setting it back could violate the non-negative check for existing balances.
  }
}
