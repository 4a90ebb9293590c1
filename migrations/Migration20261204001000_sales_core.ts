import { Migration } from '@mikro-orm/migrations';

/**
 * Sales core: venues, seating plans, events with price tables, contingents, the per-event stock (one row per seat
 * and per general-admission place), holds and orders.
 *
 * Zero oversell is a property of the data model, enforced by PostgreSQL:
 * - every sellable place is exactly one row of `sales.stock_unit`, so it can carry at most one hold or one order;
 * - reservation statements only take a row `WHERE status = 'free' OR (status = 'held' AND hold_expires_at < now())`
 *   and check the row count (all-or-nothing);
 * - a trigger refuses any update that would move a place into a hold while another live hold or an order has it;
 * - a place belongs to exactly one contingent (not null), so contingent numbers always add up to the capacity.
 */
export class Migration20261204001000_sales_core extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table sales.venue (
        id uuid primary key,
        organizer_id uuid not null,
        name text not null check (length(name) between 1 and 200),
        address text,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index venue_organizer on sales.venue (organizer_id);`);

    this.addSql(`
      create table sales.seating_plan (
        id uuid primary key,
        organizer_id uuid not null,
        venue_id uuid not null references sales.venue (id),
        name text not null check (length(name) between 1 and 200),
        stage_x double precision,
        stage_y double precision,
        seat_count int not null check (seat_count >= 0),
        ga_capacity int not null check (ga_capacity >= 0),
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index seating_plan_organizer on sales.seating_plan (organizer_id);`);
    this.addSql(`
      create table sales.plan_block (
        id uuid primary key,
        plan_id uuid not null references sales.seating_plan (id) on delete cascade,
        name text not null,
        ordinal int not null,
        unique (plan_id, name)
      );`);
    // row_no: a row's number within the plan (adjacency is only within one row_no); pos: position in the row
    // (consecutive positions are neighbours; an aisle is a gap); rank: 0 = best (closest to the stage).
    this.addSql(`
      create table sales.plan_seat (
        id uuid primary key,
        plan_id uuid not null references sales.seating_plan (id) on delete cascade,
        block_id uuid not null references sales.plan_block (id) on delete cascade,
        row_label text not null,
        seat_label text not null,
        row_no int not null,
        pos int not null,
        rank int not null,
        x double precision not null,
        y double precision not null,
        category_key text not null,
        wheelchair boolean not null default false,
        companion boolean not null default false,
        unique (plan_id, block_id, row_label, seat_label),
        unique (plan_id, row_no, pos)
      );`);
    this.addSql(`
      create table sales.plan_area (
        id uuid primary key,
        plan_id uuid not null references sales.seating_plan (id) on delete cascade,
        name text not null,
        category_key text not null,
        capacity int not null check (capacity > 0),
        unique (plan_id, name)
      );`);

    this.addSql(`
      create table sales.event (
        id uuid primary key,
        organizer_id uuid not null,
        plan_id uuid not null references sales.seating_plan (id),
        name text not null check (length(name) between 1 and 200),
        venue_name text not null,
        starts_at timestamptz not null,
        sales_start timestamptz not null,
        sales_end timestamptz not null,
        currency text not null,
        pool_open boolean not null default false,
        status text not null default 'on-sale' check (status in ('on-sale', 'cancelled')),
        capacity int not null,
        created_at timestamptz not null default now(),
        cancelled_at timestamptz,
        check (sales_start < sales_end)
      );`);
    this.addSql(`create index event_organizer on sales.event (organizer_id, starts_at);`);
    this.addSql(`
      create table sales.price_category (
        id uuid primary key,
        event_id uuid not null references sales.event (id) on delete cascade,
        key text not null,
        name text not null,
        unique (event_id, key)
      );`);
    this.addSql(`
      create table sales.price (
        category_id uuid not null references sales.price_category (id) on delete cascade,
        reduction text not null,
        amount_minor bigint not null check (amount_minor >= 0),
        primary key (category_id, reduction)
      );`);
    // 'reserve' = the organizer's unallocated stock (not for sale); 'pool' = shared by all connected presale offices.
    this.addSql(`
      create table sales.contingent (
        id uuid primary key,
        event_id uuid not null references sales.event (id) on delete cascade,
        kind text not null check (kind in ('reserve', 'online', 'box-office', 'presale-office', 'pool')),
        office_id uuid,
        check ((kind = 'presale-office') = (office_id is not null))
      );`);
    this.addSql(`create unique index contingent_unique on sales.contingent (event_id, kind, coalesce(office_id, '00000000-0000-0000-0000-000000000000'::uuid));`);
    this.addSql(`
      create table sales.office_link (
        organizer_id uuid not null,
        office_id uuid not null,
        created_at timestamptz not null default now(),
        primary key (organizer_id, office_id)
      );`);

    this.addSql(`
      create table sales.stock_unit (
        event_id uuid not null references sales.event (id) on delete cascade,
        unit_no int not null,
        kind text not null check (kind in ('seat', 'ga')),
        seat_id uuid,
        area_id uuid,
        block_id uuid,
        category_id uuid not null,
        contingent_id uuid not null references sales.contingent (id),
        row_no int,
        pos int,
        rank int not null,
        status text not null default 'free' check (status in ('free', 'held', 'pending', 'sold')),
        hold_id uuid,
        hold_expires_at timestamptz,
        order_id uuid,
        primary key (event_id, unit_no),
        check ((kind = 'seat') = (seat_id is not null) and (kind = 'ga') = (area_id is not null)),
        check (
          (status = 'free' and hold_id is null and hold_expires_at is null and order_id is null)
          or (status = 'held' and hold_id is not null and hold_expires_at is not null and order_id is null)
          or (status in ('pending', 'sold') and order_id is not null)
        )
      ) with (fillfactor = 85);`);
    this.addSql(`create unique index stock_unit_seat on sales.stock_unit (event_id, seat_id) where seat_id is not null;`);
    this.addSql(`create index stock_unit_free_seat on sales.stock_unit (event_id, category_id, rank) where status = 'free' and kind = 'seat';`);
    this.addSql(`create index stock_unit_free_ga on sales.stock_unit (event_id, area_id, unit_no) where status = 'free' and kind = 'ga';`);
    this.addSql(`create index stock_unit_held_expiry on sales.stock_unit (event_id, hold_expires_at) where status = 'held';`);
    this.addSql(`create index stock_unit_hold on sales.stock_unit (hold_id) where hold_id is not null;`);
    this.addSql(`create index stock_unit_order on sales.stock_unit (order_id) where order_id is not null;`);
    this.addSql(`create index stock_unit_contingent on sales.stock_unit (contingent_id);`);

    // Last line of defence below the conditional UPDATEs: a place can never enter a hold while a live hold (other
    // than the same one) or an order has it, and an ordered place leaves its order only to become free.
    this.addSql(`
      create function sales.stock_unit_guard() returns trigger language plpgsql as $$
      begin
        if new.status = 'held' then
          if old.status in ('pending', 'sold') then
            raise exception 'SALES.SEAT_TAKEN: place % of event % is ordered', old.unit_no, old.event_id using errcode = 'P0001';
          end if;
          if old.status = 'held' and old.hold_id <> new.hold_id and old.hold_expires_at >= now() then
            raise exception 'SALES.SEAT_TAKEN: place % of event % is held', old.unit_no, old.event_id using errcode = 'P0001';
          end if;
        elsif new.status in ('pending', 'sold') and old.status = 'free' then
          raise exception 'SALES.SEAT_TAKEN: place % of event % was not held', old.unit_no, old.event_id using errcode = 'P0001';
        elsif new.status in ('pending', 'sold') and old.status in ('pending', 'sold') and old.order_id <> new.order_id then
          raise exception 'SALES.SEAT_TAKEN: place % of event % belongs to another order', old.unit_no, old.event_id using errcode = 'P0001';
        end if;
        return new;
      end $$;`);
    this.addSql(`
      create trigger stock_unit_guard before update of status, hold_id, order_id on sales.stock_unit
      for each row when (new.status <> 'free' and (old.status <> 'free' or new.status <> 'held')) execute function sales.stock_unit_guard();`);

    this.addSql(`
      create table sales.hold (
        id uuid primary key,
        token_hash bytea not null,
        event_id uuid not null references sales.event (id) on delete cascade,
        organizer_id uuid not null,
        channel text not null check (channel in ('online', 'box-office', 'presale-office')),
        office_id uuid,
        created_by uuid,
        status text not null default 'active' check (status in ('active', 'released', 'expired', 'ordered')),
        quantity int not null check (quantity > 0),
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        extensions int not null default 0,
        closed_at timestamptz
      );`);
    this.addSql(`create index hold_active_expiry on sales.hold (expires_at) where status = 'active';`);

    this.addSql(`
      create table sales."order" (
        id uuid primary key,
        order_number text not null unique,
        event_id uuid not null references sales.event (id),
        organizer_id uuid not null,
        hold_id uuid not null unique,
        idempotency_key text,
        channel text not null check (channel in ('online', 'box-office', 'presale-office')),
        office_id uuid,
        status text not null check (status in ('pending-payment', 'paid', 'cancelled', 'expired', 'refunded')),
        customer_name text not null,
        customer_email text,
        currency text not null,
        total_minor bigint not null check (total_minor >= 0),
        payment_deadline timestamptz,
        paid_at timestamptz,
        payment_method text,
        payment_id text,
        created_by uuid,
        created_at timestamptz not null default now(),
        closed_at timestamptz,
        close_reason text,
        check (status <> 'paid' or paid_at is not null)
      );`);
    this.addSql(`create index order_event on sales."order" (event_id, created_at);`);
    this.addSql(`create index order_pending_deadline on sales."order" (payment_deadline) where status = 'pending-payment';`);
    this.addSql(`
      create table sales.order_line (
        ticket_id uuid primary key,
        order_id uuid not null references sales."order" (id),
        event_id uuid not null,
        unit_no int not null,
        kind text not null,
        seat_id uuid,
        area_id uuid,
        block text,
        row_label text,
        seat_label text,
        area_name text,
        category_id uuid not null,
        category_name text not null,
        reduction text not null,
        price_minor bigint not null check (price_minor >= 0),
        unique (order_id, unit_no)
      );`);
  }

  override async down(): Promise<void> {
    for (const t of ['order_line', '"order"', 'hold', 'stock_unit', 'office_link', 'contingent', 'price', 'price_category', 'event', 'plan_area', 'plan_seat', 'plan_block', 'seating_plan', 'venue']) {
      this.addSql(`drop table if exists sales.${t} cascade;`);
    }
    this.addSql('drop function if exists sales.stock_unit_guard();');
  }
}
