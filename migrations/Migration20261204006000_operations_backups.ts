import { Migration } from '@mikro-orm/migrations';

/**
 * Operations: backup runs, their copies per storage, restore drills. Status only — the backups themselves live in
 * the backup storages (a filesystem directory, S3-compatible object storage), never in this database.
 */
export class Migration20261204006000_operations_backups extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists operations;`);
    this.addSql(`
      create table operations.backup (
        id text primary key,
        tier text not null check (tier in ('short', 'daily', 'weekly', 'monthly')),
        started_at timestamptz not null default now(),
        finished_at timestamptz,
        snapshot_at timestamptz,
        status text not null default 'running' check (status in ('running', 'succeeded', 'partial', 'failed')),
        size_bytes bigint,
        sha256 text,
        encrypted_sha256 text,
        duration_ms integer,
        row_counts jsonb,
        migration text,
        error text
      );`);
    this.addSql(`create index backup_tier_started on operations.backup (tier, started_at desc);`);
    this.addSql(`
      create table operations.backup_copy (
        backup_id text not null references operations.backup (id) on delete cascade,
        storage text not null,
        status text not null check (status in ('stored', 'failed', 'pruned')),
        attempts integer not null default 0,
        error text,
        stored_at timestamptz,
        pruned_at timestamptz,
        primary key (backup_id, storage)
      );`);
    this.addSql(`create index backup_copy_storage on operations.backup_copy (storage, status, stored_at desc);`);
    this.addSql(`
      create table operations.restore_drill (
        id uuid primary key,
        backup_id text not null,
        storage text,
        started_at timestamptz not null default now(),
        finished_at timestamptz,
        ok boolean,
        rto_ms integer,
        rpo_ms bigint,
        row_counts_match boolean,
        error text,
        constraint drill_finished check (finished_at is null or ok is not null)
      );`);
    this.addSql(`create index restore_drill_started on operations.restore_drill (started_at desc);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop schema if exists operations cascade;`);
  }
}
