import { Migration } from '@mikro-orm/migrations';

/**
 * Drops `stock_unit_held_expiry` (event_id, hold_expires_at where status = 'held'): every place taken is a non-HOT
 * update of `sales.stock_unit` and wrote an entry into this index too. Its only readers were the expired-hold parts of
 * best-available's candidate read and of the GA statement; they now start from the expired holds instead
 * (`sales.hold` status 'active' and expires_at < now(), index `hold_active_expiry`) and reach their places through
 * `stock_unit_hold` — one index entry less per place held, none more per hold. The expired-but-not-yet-swept holds
 * are few (the sweep job returns them within SALES_HOLD_SWEEP_EVERY_MS); correctness never depended on the index
 * (every taking statement re-checks `status = 'held' and hold_expires_at < now()` on the row it locks).
 */
export class Migration20261205002000_sales_stock_unit_held_expiry_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index if exists sales.stock_unit_held_expiry;`);
  }

  override async down(): Promise<void> {
    this.addSql(`create index if not exists stock_unit_held_expiry on sales.stock_unit (event_id, hold_expires_at) where status = 'held';`);
  }
}
