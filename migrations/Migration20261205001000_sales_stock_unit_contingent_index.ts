import { Migration } from '@mikro-orm/migrations';

/**
 * Drops `stock_unit_contingent` (contingent_id): every place taken, ordered or freed is a non-HOT update of
 * `sales.stock_unit`, which writes a new entry into every index of the row — this one included, although no query
 * needs it: contingent moves and availability always filter by event first (primary key prefix), and contingents
 * are never deleted (the foreign key would scan only then). One index entry (and its WAL) less per place on the
 * reservation path; measured with `npm run bench:reserve` (`wal_bytes_per_reservation`, docs/benchmarks.md).
 */
export class Migration20261205001000_sales_stock_unit_contingent_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index if exists sales.stock_unit_contingent;`);
  }

  override async down(): Promise<void> {
    this.addSql(`create index if not exists stock_unit_contingent on sales.stock_unit (contingent_id);`);
  }
}
