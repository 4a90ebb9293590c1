import { Migration } from '@mikro-orm/migrations';

/**
 * Ticketing learns who owns an event from Sales (`sales.EventCreated`), so no other organizer can claim the event id
 * for its signing keys (keys are otherwise created on first use). Access Control records the same in its existing
 * `access_control.event` row.
 */
export class Migration20261204007300_ticketing_event_owner extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table ticketing.event_owner (
  event_id uuid primary key,
  organizer_id uuid not null,
  created_at timestamptz not null default now()
);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists ticketing.event_owner;`);
  }
}
