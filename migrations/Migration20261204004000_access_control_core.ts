import { Migration } from '@mikro-orm/migrations';

/**
 * Access Control: gates, scanner devices, the ticket registry (fed by Sales events), the revocation mirror (fed by
 * Ticketing and Sales events), presence (who is inside), every scan with its device, and the conflict report.
 *
 * Invariants the database keeps:
 * - `presence` has one row per ticket: the single-entry policy admits a ticket exactly once, however many gates race
 *   (the primary key decides); entry/exit toggles `inside` with a conditional update under the row lock.
 * - `scan (device_id, device_scan_id)` is unique: a retried scan is recorded once and answered with the stored verdict.
 * - a device enrolment code is single-use (it is cleared when the device enrols); a revoked device never comes back.
 * - feed rows (scan, revocation, ticket) carry the writing transaction id (`xid`), so cursors never skip a row that
 *   commits late (see application/feed-cursor.ts).
 */
export class Migration20261204004000_access_control_core extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create sequence access_control.change_seq;`);

    this.addSql(`
      create table access_control.event (
        event_id uuid primary key,
        organizer_id uuid not null,
        reentry_policy text not null default 'single' check (reentry_policy in ('single', 'entry-exit', 'multiple')),
        cancelled_at timestamptz,
        config_xid xid8 not null default pg_current_xact_id(),
        created_at timestamptz not null default now()
      );
      create index event_organizer on access_control.event (organizer_id);`);

    this.addSql(`
      create table access_control.gate (
        id uuid primary key,
        event_id uuid not null references access_control.event (event_id),
        organizer_id uuid not null,
        name text not null check (length(name) between 1 and 100),
        categories text[] check (categories is null or cardinality(categories) between 1 and 200),
        created_at timestamptz not null default now(),
        unique (event_id, name)
      );`);

    this.addSql(`
      create table access_control.device (
        id uuid primary key,
        organizer_id uuid not null,
        name text not null check (length(name) between 1 and 100),
        event_ids uuid[] not null check (cardinality(event_ids) between 1 and 50),
        gate_ids uuid[],
        enrol_code_hash bytea unique,
        enrol_expires_at timestamptz,
        token_hash bytea unique,
        status text not null check (status in ('pending', 'active', 'revoked')),
        created_by uuid,
        created_at timestamptz not null default now(),
        enrolled_at timestamptz,
        revoked_at timestamptz,
        check ((status = 'pending') = (enrol_code_hash is not null)),
        check ((status = 'active') = (token_hash is not null and revoked_at is null)),
        check ((status = 'revoked') = (revoked_at is not null))
      );
      create index device_organizer on access_control.device (organizer_id);
      create function access_control.device_guard() returns trigger language plpgsql as $$
      begin
        if old.status = 'revoked' and new.status <> 'revoked' then
          raise exception 'ACCESS_CONTROL.DEVICE_REVOKED_IS_FINAL' using errcode = '23514';
        end if;
        return new;
      end $$;
      create trigger device_guard before update on access_control.device for each row execute function access_control.device_guard();`);

    this.addSql(`
      create table access_control.ticket (
        ticket_id uuid primary key,
        event_id uuid not null,
        organizer_id uuid not null,
        order_id uuid not null,
        channel text not null,
        kind text not null,
        category_id text,
        area_id text,
        seat_id text,
        sold_at timestamptz not null,
        seq bigint not null default nextval('access_control.change_seq'),
        xid xid8 not null default pg_current_xact_id()
      );
      create index ticket_event_xid on access_control.ticket (event_id, xid);`);

    this.addSql(`
      create table access_control.revocation (
        seq bigint primary key default nextval('access_control.change_seq'),
        event_id uuid not null,
        organizer_id uuid not null,
        ticket_id uuid not null,
        -- null: every issue of the ticket (order cancelled/refunded, event cancelled)
        issue int check (issue is null or issue between 1 and 65535),
        reason text not null,
        source text not null,
        revoked_at timestamptz not null,
        xid xid8 not null default pg_current_xact_id(),
        unique nulls not distinct (event_id, ticket_id, issue)
      );
      create index revocation_event_xid on access_control.revocation (event_id, xid);`);

    this.addSql(`
      create table access_control.scan (
        seq bigint primary key default nextval('access_control.change_seq'),
        -- no foreign keys to device/gate on purpose: every scan would take FOR KEY SHARE on the same few gate rows,
        -- and 64 concurrent scanners turn that into MultiXact contention (the scan path checks both before writing)
        device_id uuid not null,
        device_scan_id text not null check (length(device_scan_id) between 1 and 100),
        organizer_id uuid not null,
        event_id uuid not null,
        gate_id uuid not null,
        direction text not null check (direction in ('in', 'out')),
        mode text not null check (mode in ('online', 'offline')),
        ticket_id uuid,
        issue int,
        -- what the scanner was told (online) or decided itself (offline)
        verdict text not null,
        -- what the server concluded when it recorded the scan (differs from verdict for offline conflicts)
        server_verdict text not null,
        device_time timestamptz not null,
        recorded_at timestamptz not null default now(),
        detail jsonb,
        xid xid8 not null default pg_current_xact_id(),
        unique (device_id, device_scan_id)
      );
      create index scan_event_xid on access_control.scan (event_id, xid) where server_verdict in ('admitted', 'exited');
      create index scan_ticket on access_control.scan (ticket_id) where ticket_id is not null;`);

    this.addSql(`
      create table access_control.presence (
        ticket_id uuid primary key,
        event_id uuid not null,
        inside boolean not null,
        entries int not null check (entries >= 1),
        first_scan_seq bigint not null,
        first_gate_id uuid not null,
        first_at timestamptz not null,
        last_scan_seq bigint not null,
        last_gate_id uuid not null,
        last_device_id uuid not null,
        last_at timestamptz not null
      );`);

    this.addSql(`
      create table access_control.conflict (
        id bigserial primary key,
        organizer_id uuid not null,
        event_id uuid not null,
        ticket_id uuid not null,
        kind text not null check (kind in ('double-use', 'revoked-before-scan')),
        scan_seq bigint not null references access_control.scan (seq),
        other_scan_seq bigint references access_control.scan (seq),
        detail jsonb,
        detected_at timestamptz not null default now(),
        unique (scan_seq, kind)
      );
      create index conflict_event on access_control.conflict (event_id, id);`);

    /**
     * The scan hot path in one round trip. The caller has already checked the barcode's signature, event, validity
     * window and gate category (pure code) and passes the result as p_pre ('valid' or a refusal verdict). This
     * function re-checks the device (revocation takes effect at once), answers a retried device scan id with the
     * stored verdict, applies the revocation list and the re-entry policy on the presence row, records the scan and,
     * for offline uploads, the conflicts. A concurrent duplicate of the same device scan id raises 'AC409' (the whole
     * call rolls back; the caller re-reads the stored verdict).
     */
    this.addSql(`
      create function access_control.record_scan(
        p_device uuid, p_token_hash bytea, p_scan_id text, p_event uuid, p_gate uuid, p_direction text, p_mode text,
        p_ticket uuid, p_issue int, p_pre text, p_local text, p_device_time timestamptz, p_detail jsonb)
      returns table (verdict text, server_verdict text, scan_seq bigint, replay boolean, other_gate uuid, other_at timestamptz, conflict text)
      language plpgsql as $$
      declare
        v_org uuid; v_policy text; v_seq bigint; v_server text; v_verdict text; v_conflict text := null;
        v_prev access_control.presence%rowtype; v_rev timestamptz; v_other bigint := null; v_row_found boolean;
        -- presence times: the server clock online, the device clock for offline scans
        v_at timestamptz := case when p_mode = 'online' then clock_timestamp() else p_device_time end;
      begin
        select d.organizer_id into v_org from access_control.device d
         where d.id = p_device and d.status = 'active' and (p_token_hash is null or d.token_hash = p_token_hash);
        if v_org is null then
          return query select 'device-revoked'::text, 'device-revoked'::text, null::bigint, false, null::uuid, null::timestamptz, null::text;
          return;
        end if;

        return query select s.verdict, s.server_verdict, s.seq, true, (s.detail->>'otherGate')::uuid, (s.detail->>'otherAt')::timestamptz, null::text
          from access_control.scan s where s.device_id = p_device and s.device_scan_id = p_scan_id;
        if found then return; end if;

        v_server := p_pre;
        v_seq := nextval('access_control.change_seq');
        if p_pre = 'valid' then
          select min(r.revoked_at) into v_rev from access_control.revocation r
           where r.event_id = p_event and r.ticket_id = p_ticket and (r.issue is null or r.issue = p_issue);
          select e.reentry_policy into v_policy from access_control.event e where e.event_id = p_event;
          if v_rev is not null and (p_mode = 'online' or v_rev <= p_device_time) then
            v_server := 'revoked';
          elsif p_mode = 'offline' and p_local is distinct from 'admitted' and p_local is distinct from 'exited' then
            -- the device refused it: nothing changes inside
            v_server := coalesce(p_local, 'refused');
          elsif p_direction = 'in' then
            select * into v_prev from access_control.presence pr where pr.ticket_id = p_ticket for update;
            v_row_found := found;
            if not v_row_found then
              insert into access_control.presence as pr (ticket_id, event_id, inside, entries, first_scan_seq, first_gate_id, first_at,
                                                    last_scan_seq, last_gate_id, last_device_id, last_at)
              values (p_ticket, p_event, true, 1, v_seq, p_gate, v_at, v_seq, p_gate, p_device, v_at)
              on conflict (ticket_id) do nothing;
              if found then
                v_server := 'admitted';
              else
                -- another gate won the race a moment ago
                select * into v_prev from access_control.presence pr where pr.ticket_id = p_ticket for update;
                v_row_found := true;
              end if;
            end if;
            if v_row_found then
              if v_policy = 'multiple' or (v_policy = 'entry-exit' and not v_prev.inside) then
                update access_control.presence pr set inside = true, entries = pr.entries + 1, last_scan_seq = v_seq,
                       last_gate_id = p_gate, last_device_id = p_device, last_at = v_at
                 where pr.ticket_id = p_ticket;
                v_server := 'admitted';
              else
                v_server := 'already-inside';
                v_other := v_prev.last_scan_seq;
                p_detail := coalesce(p_detail, '{}'::jsonb) || jsonb_build_object('otherGate', v_prev.last_gate_id, 'otherAt', v_prev.last_at);
              end if;
            end if;
          else
            update access_control.presence pr set inside = false, last_scan_seq = v_seq, last_gate_id = p_gate,
                   last_device_id = p_device, last_at = v_at
             where pr.ticket_id = p_ticket and pr.inside;
            v_server := case when found then 'exited' else 'not-inside' end;
          end if;
        end if;

        v_verdict := case when p_mode = 'offline' then coalesce(p_local, v_server) else v_server end;
        insert into access_control.scan (seq, device_id, device_scan_id, organizer_id, event_id, gate_id, direction, mode,
                                         ticket_id, issue, verdict, server_verdict, device_time, detail)
        values (v_seq, p_device, p_scan_id, v_org, p_event, p_gate, p_direction, p_mode, p_ticket, p_issue,
                v_verdict, v_server, p_device_time, p_detail)
        on conflict (device_id, device_scan_id) do nothing;
        if not found then
          raise exception 'ACCESS_CONTROL.DUPLICATE_IN_FLIGHT' using errcode = 'AC409';
        end if;

        if p_mode = 'offline' and v_verdict = 'admitted' then
          if v_server = 'already-inside' then
            v_conflict := 'double-use';
          elsif v_server = 'revoked' then
            v_conflict := 'revoked-before-scan';
          end if;
          if v_conflict is not null then
            insert into access_control.conflict (organizer_id, event_id, ticket_id, kind, scan_seq, other_scan_seq, detail)
            values (v_org, p_event, p_ticket, v_conflict, v_seq, v_other,
                    case when v_conflict = 'revoked-before-scan' then jsonb_build_object('revokedAt', v_rev) else null end)
            on conflict do nothing;
          end if;
        end if;

        return query select v_verdict, v_server, v_seq, false,
                            (p_detail->>'otherGate')::uuid, (p_detail->>'otherAt')::timestamptz, v_conflict;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists access_control.record_scan;`);
    for (const t of ['conflict', 'presence', 'scan', 'revocation', 'ticket', 'device', 'gate', 'event']) {
      this.addSql(`drop table if exists access_control.${t} cascade;`);
    }
    this.addSql(`drop function if exists access_control.device_guard;`);
    this.addSql(`drop sequence if exists access_control.change_seq;`);
  }
}
