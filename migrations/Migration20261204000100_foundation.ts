import { Migration } from '@mikro-orm/migrations';

/**
 * Foundation: one schema per module, the messaging outbox/inbox, and the Security module's identity tables.
 * No foreign keys cross a module schema.
 */
export class Migration20261204000100_foundation extends Migration {
  override async up(): Promise<void> {
    for (const schema of ['security', 'sales', 'ticketing', 'escrow', 'access_control', 'messaging']) {
      this.addSql(`create schema if not exists ${schema};`);
    }

    // ---- messaging: transactional outbox + consumer inbox -------------------------------------------------------
    this.addSql(`
      create table messaging.outbox (
        seq bigint generated always as identity primary key,
        id uuid not null unique,
        type text not null,
        tenant_id uuid,
        occurred_at timestamptz not null,
        payload jsonb not null,
        created_at timestamptz not null default now(),
        dispatched_at timestamptz
      );`);
    this.addSql(`create index outbox_undispatched on messaging.outbox (seq) where dispatched_at is null;`);
    this.addSql(`create index outbox_dispatched_at on messaging.outbox (dispatched_at) where dispatched_at is not null;`);
    this.addSql(`
      create table messaging.inbox (
        consumer text not null,
        event_id uuid not null,
        event_type text not null,
        processed_at timestamptz not null default now(),
        primary key (consumer, event_id)
      );`);
    this.addSql(`create index inbox_processed_at on messaging.inbox (processed_at);`);

    // ---- security: organizations, users, API keys, sessions, audit log --------------------------------------------
    this.addSql(`
      create table security.organization (
        id uuid primary key,
        kind text not null check (kind in ('platform', 'organizer', 'presale-office')),
        name text not null check (length(name) between 1 and 200),
        client_cert_required boolean not null default false,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table security."user" (
        id uuid primary key,
        organization_id uuid not null references security.organization (id),
        email text not null unique check (email = lower(email)),
        display_name text not null,
        password_hash text not null check (password_hash like '$argon2id$%'),
        roles text[] not null default '{}',
        active boolean not null default true,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql(`create index user_organization on security."user" (organization_id);`);
    this.addSql(`
      create table security.api_key (
        id uuid primary key,
        organization_id uuid not null references security.organization (id),
        name text not null,
        secret_hash text not null,
        roles text[] not null default '{}',
        created_by uuid not null,
        created_at timestamptz not null default now(),
        revoked_at timestamptz,
        last_used_at timestamptz
      );`);
    this.addSql(`create index api_key_organization on security.api_key (organization_id);`);
    this.addSql(`
      create table security.session (
        id uuid primary key,
        token_hash bytea not null unique,
        user_id uuid not null references security."user" (id),
        organization_id uuid not null,
        client_address text,
        user_agent text,
        created_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now(),
        expires_at timestamptz not null,
        revoked_at timestamptz,
        revoked_reason text
      );`);
    this.addSql(`create index session_by_user on security.session (user_id) where revoked_at is null;`);

    // Append-only, hash-chained audit log. seq is assigned under an advisory lock (no gaps), so a deleted row shows.
    this.addSql(`
      create table security.audit_log (
        seq bigint primary key,
        at timestamptz not null,
        actor_id uuid,
        actor_kind text not null,
        organization_id uuid,
        action text not null,
        target_type text,
        target_id text,
        client_address text,
        data jsonb not null default '{}'::jsonb,
        prev_hash text not null,
        hash text not null unique
      );`);
    this.addSql(`create index audit_log_organization on security.audit_log (organization_id, seq);`);
    this.addSql(`
      create function security.audit_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'security.audit_log is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(`
      create trigger audit_log_no_update_delete before update or delete or truncate on security.audit_log
      for each statement execute function security.audit_log_append_only();`);
  }

  override async down(): Promise<void> {
    for (const schema of ['access_control', 'escrow', 'ticketing', 'sales', 'security', 'messaging']) {
      this.addSql(`drop schema if exists ${schema} cascade;`);
    }
  }
}
