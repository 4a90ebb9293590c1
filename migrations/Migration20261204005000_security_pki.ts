import { Migration } from '@mikro-orm/migrations';

/**
 * Platform PKI: the CA (key encrypted at rest), issued client certificates with their binding (user + machine, or
 * user + directory account), CRLs, directory links, and the per-organization "allowed binding kinds" policy.
 * Invariants the database keeps: one active CA; a binding carries exactly the field of its kind; a machine is bound
 * to at most one live certificate per organization; a revoked certificate never comes back (only a directory hold is
 * released); revocation data is present exactly when the certificate is not active.
 */
export class Migration20261204005000_security_pki extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table security.pki_ca (
        id uuid primary key,
        subject text not null,
        certificate_pem text not null,
        key_pem_encrypted text not null check (key_pem_encrypted like '-----BEGIN ENCRYPTED PRIVATE KEY-----%'),
        key_id text not null,
        not_after timestamptz not null,
        active boolean not null default true,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create unique index pki_ca_one_active on security.pki_ca (active) where active;`);

    this.addSql(`
      create table security.client_certificate (
        serial text primary key check (serial ~ '^[0-9a-f]{32}$'),
        ca_id uuid not null references security.pki_ca (id),
        organization_id uuid not null references security.organization (id),
        user_id uuid not null references security."user" (id),
        binding_kind text not null check (binding_kind in ('machine', 'directory')),
        machine_name text,
        directory_account text,
        subject text not null,
        fingerprint_sha256 text not null unique,
        certificate_pem text not null,
        pkcs12_format text not null,
        not_before timestamptz not null,
        not_after timestamptz not null,
        issued_by uuid,
        issued_at timestamptz not null default now(),
        status text not null default 'active' check (status in ('active', 'on-hold', 'revoked')),
        revoked_at timestamptz,
        revocation_reason text,
        revoked_by uuid,
        check ((binding_kind = 'machine') = (machine_name is not null)),
        check ((binding_kind = 'directory') = (directory_account is not null)),
        check ((status = 'active') = (revoked_at is null)),
        check ((status = 'active') = (revocation_reason is null)),
        check (status <> 'on-hold' or binding_kind = 'directory'),
        check (not_after > not_before)
      );`);
    this.addSql(`create index client_certificate_by_user on security.client_certificate (user_id);`);
    this.addSql(`create index client_certificate_by_org on security.client_certificate (organization_id, issued_at desc);`);
    this.addSql(`create index client_certificate_not_active on security.client_certificate (ca_id) where status <> 'active';`);
    this.addSql(`
      create unique index client_certificate_machine_once on security.client_certificate (organization_id, lower(machine_name))
      where binding_kind = 'machine' and status <> 'revoked';`);
    this.addSql(`
      create function security.client_certificate_guard() returns trigger language plpgsql as $$
      begin
        if old.status = 'revoked' and new.status <> 'revoked' then
          raise exception 'client certificate % is revoked for good', old.serial using errcode = 'check_violation';
        end if;
        if (new.serial, new.ca_id, new.user_id, new.organization_id, new.binding_kind, new.fingerprint_sha256, new.certificate_pem)
           is distinct from (old.serial, old.ca_id, old.user_id, old.organization_id, old.binding_kind, old.fingerprint_sha256, old.certificate_pem) then
          raise exception 'an issued certificate''s identity and binding are immutable' using errcode = 'check_violation';
        end if;
        return new;
      end $$;`);
    this.addSql(`
      create trigger client_certificate_guard before update on security.client_certificate
      for each row execute function security.client_certificate_guard();`);

    this.addSql(`
      create table security.pki_crl (
        number bigint primary key,
        ca_id uuid not null references security.pki_ca (id),
        this_update timestamptz not null,
        next_update timestamptz not null,
        entries int not null,
        der bytea not null,
        reason text not null,
        created_at timestamptz not null default now(),
        check (next_update > this_update)
      );`);

    this.addSql(`
      create table security.directory_link (
        user_id uuid primary key references security."user" (id),
        organization_id uuid not null references security.organization (id),
        account text not null,
        state text not null default 'enabled' check (state in ('enabled', 'disabled', 'missing')),
        checked_at timestamptz,
        changed_at timestamptz not null default now()
      );`);
    this.addSql(`create unique index directory_link_account on security.directory_link (organization_id, lower(account));`);

    this.addSql(`
      alter table security.organization
        add column client_cert_bindings text[] not null default '{machine,directory}'
        check (client_cert_bindings <@ array['machine', 'directory']::text[] and cardinality(client_cert_bindings) > 0);`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table security.organization drop column if exists client_cert_bindings;');
    this.addSql('drop table if exists security.directory_link;');
    this.addSql('drop table if exists security.pki_crl;');
    this.addSql('drop table if exists security.client_certificate;');
    this.addSql('drop function if exists security.client_certificate_guard();');
    this.addSql('drop table if exists security.pki_ca;');
  }
}
