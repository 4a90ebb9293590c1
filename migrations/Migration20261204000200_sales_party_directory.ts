import { Migration } from '@mikro-orm/migrations';

/** Sales' own directory of organizers and presale offices, fed by security.OrganizationRegistered (no cross-schema FK). */
export class Migration20261204000200_sales_party_directory extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table sales.party (
        organization_id uuid primary key,
        kind text not null check (kind in ('organizer', 'presale-office')),
        name text not null,
        registered_at timestamptz not null,
        source_event_id uuid not null,
        times_applied int not null default 1
      );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists sales.party;');
  }
}
