import { Migration } from '@mikro-orm/migrations';

/**
 * Ticketing: per-event signing keys (private keys AES-256-GCM encrypted), paid tickets (created only from
 * sales.OrderPaid), barcodes, the revocation list with a change-feed sequence, security-stock blanks, print runs and
 * print@home deliveries. The database enforces the invariants that matter most:
 * - a barcode exists only for a paid ticket, at most one valid barcode per ticket, a revoked one never comes back;
 * - a blank is bound to one ticket for good, never reused, never returns to stock, and a print run can only use
 *   blanks held by its own office and organizer (composite foreign key).
 */
export class Migration20261204003000_ticketing_core extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create sequence ticketing.trust_version_seq;`);

    this.addSql(`
      create table ticketing.party (
        organization_id uuid primary key,
        kind text not null check (kind in ('organizer', 'presale-office')),
        name text not null,
        source_event_id uuid not null
      );`);

    this.addSql(`
      create table ticketing.signing_key (
        event_id uuid not null,
        key_id int not null check (key_id > 0),
        organizer_id uuid not null,
        public_key bytea not null check (length(public_key) = 32),
        private_key_enc bytea not null,
        status text not null check (status in ('active', 'retired', 'compromised')),
        created_at timestamptz not null default now(),
        retired_at timestamptz,
        version bigint not null default nextval('ticketing.trust_version_seq'),
        primary key (event_id, key_id)
      );
      create unique index signing_key_one_active on ticketing.signing_key (event_id) where status = 'active';`);

    this.addSql(`
      create table ticketing.ticket (
        ticket_id uuid primary key,
        organizer_id uuid not null,
        event_id uuid not null,
        order_id uuid not null,
        order_number text not null,
        channel text not null check (channel in ('online', 'box-office', 'presale-office')),
        office_id uuid,
        event_name text not null,
        event_starts_at timestamptz not null,
        venue_name text not null,
        kind text not null check (kind in ('seat', 'ga')),
        seat_id text, block text, row_label text, seat_label text, area_id text, area_name text,
        category_name text not null,
        reduction text not null,
        price_minor bigint not null,
        currency char(3) not null,
        customer_name text,
        customer_email text,
        status text not null check (status in ('paid', 'cancelled', 'refunded')),
        last_issue int not null default 0,
        paid_at timestamptz not null,
        source_event_id uuid not null,
        ended_at timestamptz,
        check ((status = 'paid') = (ended_at is null))
      );
      create index ticket_event on ticketing.ticket (organizer_id, event_id);
      create index ticket_order on ticketing.ticket (order_id);
      create index ticket_office on ticketing.ticket (office_id) where office_id is not null;
      -- cancellations that arrived before the OrderPaid they cancel (events are delivered at least once, unordered)
      create table ticketing.ticket_tombstone (
        ticket_id uuid primary key,
        status text not null check (status in ('cancelled', 'refunded')),
        at timestamptz not null default now()
      );`);

    this.addSql(`
      create table ticketing.barcode (
        id uuid primary key,
        ticket_id uuid not null references ticketing.ticket (ticket_id),
        issue int not null check (issue between 1 and 65535),
        event_id uuid not null,
        key_id int not null,
        medium text not null check (medium in ('stock', 'home')),
        secret_hash bytea not null unique,
        code_enc bytea not null,
        valid_from timestamptz not null,
        valid_until timestamptz not null,
        issued_at timestamptz not null default now(),
        status text not null check (status in ('valid', 'revoked')),
        revoked_at timestamptz,
        revoke_reason text,
        foreign key (event_id, key_id) references ticketing.signing_key (event_id, key_id),
        unique (ticket_id, issue),
        check ((status = 'revoked') = (revoked_at is not null))
      );
      create unique index barcode_one_valid_per_ticket on ticketing.barcode (ticket_id) where status = 'valid';

      create function ticketing.barcode_guard() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          if not exists (select 1 from ticketing.ticket t where t.ticket_id = new.ticket_id and t.status = 'paid') then
            raise exception 'TICKETING.NOT_PAID: no barcode for a ticket that is not paid' using errcode = '23514';
          end if;
        elsif old.status = 'revoked' and new.status <> 'revoked' then
          raise exception 'TICKETING.REVOKED_IS_FINAL: a revoked barcode never becomes valid again' using errcode = '23514';
        elsif new.secret_hash <> old.secret_hash or new.ticket_id <> old.ticket_id or new.issue <> old.issue then
          raise exception 'TICKETING.BARCODE_IMMUTABLE' using errcode = '23514';
        end if;
        return new;
      end $$;
      create trigger barcode_guard before insert or update on ticketing.barcode
        for each row execute function ticketing.barcode_guard();

      create table ticketing.revocation (
        seq bigint primary key default nextval('ticketing.trust_version_seq'),
        event_id uuid not null,
        organizer_id uuid not null,
        ticket_id uuid not null,
        issue int not null,
        barcode_id uuid not null unique references ticketing.barcode (id),
        reason text not null,
        revoked_at timestamptz not null default now()
      );
      create index revocation_event_seq on ticketing.revocation (event_id, seq);`);

    this.addSql(`
      create table ticketing.blank_batch (
        id uuid primary key,
        organizer_id uuid not null,
        label text not null,
        serial_prefix text not null check (serial_prefix ~ '^[A-Z0-9]{1,8}$'),
        first_number bigint not null check (first_number >= 0),
        last_number bigint not null,
        number_width int not null check (number_width between 1 and 12),
        security_features text[] not null,
        registered_at timestamptz not null default now(),
        registered_by uuid not null,
        check (last_number >= first_number and last_number - first_number < 100000)
      );
      create index blank_batch_org on ticketing.blank_batch (organizer_id);

      create table ticketing.print_run (
        id uuid primary key,
        organizer_id uuid not null,
        office_id uuid not null,
        kind text not null check (kind in ('run', 'reprint')),
        requested_by uuid not null,
        requested_by_org uuid not null,
        status text not null check (status in ('queued', 'binding', 'rendering', 'done', 'failed')),
        total int not null check (total > 0),
        bound int not null default 0,
        rendered int not null default 0,
        first_serial text,
        symbology text not null,
        pdf bytea,
        pages int,
        error text,
        attempts int not null default 0,
        created_at timestamptz not null default now(),
        started_at timestamptz,
        finished_at timestamptz,
        unique (id, organizer_id, office_id)
      );
      create index print_run_org on ticketing.print_run (organizer_id, created_at);
      create index print_run_office on ticketing.print_run (office_id, created_at);

      create table ticketing.blank (
        serial text primary key,
        batch_id uuid not null references ticketing.blank_batch (id),
        organizer_id uuid not null,
        prefix text not null,
        number bigint not null,
        office_id uuid,
        state text not null check (state in ('available', 'used', 'void')),
        print_run_id uuid,
        ticket_id uuid references ticketing.ticket (ticket_id),
        barcode_id uuid unique references ticketing.barcode (id),
        used_at timestamptz,
        void_reason text,
        voided_at timestamptz,
        unique (prefix, number),
        -- a print run uses only blanks of its own organizer held by its own office
        foreign key (print_run_id, organizer_id, office_id) references ticketing.print_run (id, organizer_id, office_id),
        check (state <> 'available' or (ticket_id is null and barcode_id is null and print_run_id is null and void_reason is null)),
        check (state <> 'used' or (ticket_id is not null and barcode_id is not null and print_run_id is not null and office_id is not null and used_at is not null)),
        check (state <> 'void' or (void_reason is not null and voided_at is not null))
      );
      create index blank_stock on ticketing.blank (organizer_id, office_id, prefix, number) where state = 'available';
      create index blank_ticket on ticketing.blank (ticket_id) where ticket_id is not null;

      create function ticketing.blank_guard() returns trigger language plpgsql as $$
      begin
        if old.state <> 'available' and new.state = 'available' then
          raise exception 'TICKETING.BLANK_NOT_REUSABLE: a used or voided blank never returns to stock' using errcode = '23514';
        end if;
        if old.state = 'void' and new.state <> 'void' then
          raise exception 'TICKETING.BLANK_VOID_IS_FINAL' using errcode = '23514';
        end if;
        if old.ticket_id is not null and new.ticket_id is distinct from old.ticket_id
           or old.barcode_id is not null and new.barcode_id is distinct from old.barcode_id
           or old.print_run_id is not null and new.print_run_id is distinct from old.print_run_id then
          raise exception 'TICKETING.BLANK_BOUND_FOR_GOOD: a blank''s ticket binding never changes' using errcode = '23514';
        end if;
        if old.state <> 'available' and new.office_id is distinct from old.office_id then
          raise exception 'TICKETING.BLANK_NOT_IN_STOCK' using errcode = '23514';
        end if;
        if new.serial <> old.serial or new.batch_id <> old.batch_id or new.organizer_id <> old.organizer_id then
          raise exception 'TICKETING.BLANK_IMMUTABLE' using errcode = '23514';
        end if;
        return new;
      end $$;
      create trigger blank_guard before update on ticketing.blank for each row execute function ticketing.blank_guard();
      create function ticketing.blank_no_delete() returns trigger language plpgsql as $$
      begin
        raise exception 'TICKETING.BLANK_RECORD_IS_PERMANENT: blanks are never deleted' using errcode = '23514';
      end $$;
      create trigger blank_no_delete before delete on ticketing.blank for each row execute function ticketing.blank_no_delete();

      create table ticketing.blank_handover (
        id uuid primary key,
        organizer_id uuid not null,
        batch_id uuid not null references ticketing.blank_batch (id),
        from_office_id uuid,
        to_office_id uuid not null,
        first_serial text not null,
        last_serial text not null,
        count int not null check (count > 0),
        handed_at timestamptz not null default now(),
        handed_by uuid not null
      );

      create table ticketing.print_run_item (
        run_id uuid not null references ticketing.print_run (id),
        position int not null,
        ticket_id uuid not null references ticketing.ticket (ticket_id),
        blank_serial text unique references ticketing.blank (serial),
        barcode_id uuid unique references ticketing.barcode (id),
        primary key (run_id, position),
        unique (run_id, ticket_id)
      );`);

    this.addSql(`
      create table ticketing.home_delivery (
        id uuid primary key,
        order_id uuid not null unique,
        organizer_id uuid not null,
        event_id uuid not null,
        order_number text not null,
        email text,
        status text not null check (status in ('pending', 'sent', 'cancelled', 'failed')),
        pdf bytea,
        attempts int not null default 0,
        last_error text,
        created_at timestamptz not null default now(),
        sent_at timestamptz
      );
      create index home_delivery_pending on ticketing.home_delivery (created_at) where status = 'pending';`);
  }

  override async down(): Promise<void> {
    for (const t of ['home_delivery', 'print_run_item', 'blank_handover', 'blank', 'print_run', 'blank_batch', 'revocation', 'barcode', 'ticket_tombstone', 'ticket', 'signing_key', 'party']) {
      this.addSql(`drop table if exists ticketing.${t} cascade;`);
    }
    this.addSql('drop function if exists ticketing.blank_guard(); drop function if exists ticketing.blank_no_delete(); drop function if exists ticketing.barcode_guard();');
    this.addSql('drop sequence if exists ticketing.trust_version_seq;');
  }
}
