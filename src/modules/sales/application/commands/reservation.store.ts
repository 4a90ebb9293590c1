import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { newId, randomToken } from '../../../../shared-kernel/ids';
import type { CandidateSeat } from '../../domain/best-available';
import type { EventContext } from '../event-context';
import { intArray, uuidArray } from '../sales-actor';

export const HOLD_TOKEN_PREFIX = 'pth_';
export const hashHoldToken = (token: string): Buffer => createHash('sha256').update(token).digest();

export interface HeldItem {
  unitNo: number;
  kind: 'seat' | 'ga';
  seatId: string | null;
  areaId: string | null;
  categoryId: string;
  block: string | null;
  row: string | null;
  seat: string | null;
  areaName: string | null;
}

export interface HoldResult {
  holdId: string;
  /** Returned once; the online shop sends it back as `X-Hold-Token`. Only its SHA-256 is stored. */
  holdToken: string;
  eventId: string;
  channel: string;
  expiresAt: string;
  items: HeldItem[];
}

interface UnitRow {
  unit_no: number;
  kind: 'seat' | 'ga';
  seat_id: string | null;
  area_id: string | null;
  category_id: string;
  labels: [string, string, string] | null;
  area_name: string | null;
  expires_at: Date;
}

/** The hold row a reservation statement inserts together with taking the places. */
export interface HoldDraft {
  ttlSeconds: number;
  createdBy: string | null;
}

/**
 * The reservation hot path: every method is ONE SQL statement in autocommit (no ORM unit of work, no explicit
 * transaction), so PostgreSQL alone decides who gets a place.
 *
 * Invariant protected: a place (row of sales.stock_unit) is taken only `WHERE status = 'free' OR (status = 'held'
 * AND hold_expires_at < now())` and only if *all* requested places qualify (row count compared inside the statement;
 * otherwise nothing is written, not even the hold row). An expired hold is therefore free for the next reservation
 * at once, without waiting for the sweep job. Rows are locked in unit_no order, so overlapping requests cannot
 * deadlock; best-available / GA candidates use SKIP LOCKED so competing requests pick different places.
 */
@Injectable()
export class ReservationStore {
  constructor(private readonly orm: MikroORM) {}

  private exec<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.orm.em.getConnection().execute<T[]>(sql, params as never[], 'all');
  }

  private readonly prepared = new Map<string, { name: string; text: string }>();

  /**
   * Runs a hot-path statement as a named prepared statement on a pooled connection: PostgreSQL parses and plans it
   * once per connection instead of per request (planning was most of the statement's cost). Same `?` placeholders as
   * runSql; every parameter is bound, never inlined.
   */
  private async execPrepared<T>(sql: string, params: unknown[]): Promise<T[]> {
    let stmt = this.prepared.get(sql);
    if (!stmt) {
      let i = 0;
      stmt = { name: `sales_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`, text: sql.replace(/\?/g, () => `$${++i}`) };
      this.prepared.set(sql, stmt);
    }
    const client = (this.orm.em as EntityManager).getConnection().getKnex().client as unknown as {
      acquireConnection(): Promise<{ query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }> }>;
      releaseConnection(c: unknown): Promise<unknown>;
    };
    const conn = await client.acquireConnection();
    try {
      return (await conn.query({ name: stmt.name, text: stmt.text, values: params })).rows;
    } finally {
      await client.releaseConnection(conn);
    }
  }

  /** Takes exactly these places (by seat id or unit number) or nothing. */
  async takeExact(ctx: EventContext, by: { seatIds: string[] } | { unitNos: number[] }, draft: HoldDraft): Promise<HoldResult | null> {
    const [col, list, count] =
      'seatIds' in by ? ['seat_id = any(?::uuid[])', uuidArray(by.seatIds), by.seatIds.length] : ['unit_no = any(?::int[])', intArray(by.unitNos), by.unitNos.length];
    const cand = `select unit_no from sales.stock_unit
                   where event_id = ? and ${col} and contingent_id = any(?::uuid[])
                     and (status = 'free' or (status = 'held' and hold_expires_at < now()))
                   order by unit_no for update`;
    return this.take(ctx, cand, [ctx.eventId, list, uuidArray(ctx.contingentIds)], count, draft);
  }

  /**
   * Takes `quantity` general-admission places of an area (any, SKIP LOCKED from a random start) or nothing. The
   * `order by unit_no` makes PostgreSQL walk the partial index of free GA places instead of scanning the table.
   */
  async takeGa(ctx: EventContext, areaId: string, quantity: number, capacityHint: number, draft: HoldDraft): Promise<HoldResult | null> {
    const start = Math.floor(Math.random() * Math.max(1, capacityHint));
    const cont = uuidArray(ctx.contingentIds);
    const base = `from sales.stock_unit where event_id = ? and area_id = ? and kind = 'ga' and contingent_id = any(?::uuid[])`;
    const cand = `
      c1 as (select unit_no ${base} and status = 'free' and unit_no >= ? order by unit_no limit ? for update skip locked),
      c2 as (select unit_no ${base} and status = 'free' and unit_no < ? and (select count(*) from c1) < ? order by unit_no limit ? for update skip locked),
      c3 as (select unit_no ${base} and status = 'held' and hold_expires_at < now()
               and (select count(*) from c1) + (select count(*) from c2) < ? limit ? for update skip locked),
      cand as (select unit_no from c1 union all select unit_no from c2 union all select unit_no from c3 limit ?)`;
    const e = ctx.eventId;
    const params = [e, areaId, cont, start, quantity, e, areaId, cont, start, quantity, quantity, e, areaId, cont, quantity, quantity, quantity];
    return this.take(ctx, cand, params, quantity, draft, true);
  }

  /** Free (or expired-held) seats of a category in the channel's contingents, best first (at most `limit` + expired ones). */
  async freeSeats(ctx: EventContext, categoryId: string, limit: number): Promise<CandidateSeat[]> {
    const cont = uuidArray(ctx.contingentIds);
    const rows = await this.execPrepared<{ unit_no: number; row_no: number; pos: number; rank: number }>(
      `(select unit_no, row_no, pos, rank from sales.stock_unit
         where event_id = ? and category_id = ? and kind = 'seat' and status = 'free' and contingent_id = any(?::uuid[])
         order by rank limit ?)
       union all
       (select unit_no, row_no, pos, rank from sales.stock_unit
         where event_id = ? and status = 'held' and hold_expires_at < now() and category_id = ? and kind = 'seat'
           and contingent_id = any(?::uuid[])
         order by rank limit ?)`,
      [ctx.eventId, categoryId, cont, limit, ctx.eventId, categoryId, cont, limit],
    );
    return rows.map((r) => ({ unitNo: r.unit_no, rowNo: r.row_no, pos: r.pos, rank: r.rank }));
  }

  async categoryExists(eventId: string, categoryId: string): Promise<boolean> {
    const rows = await this.exec(`select 1 from sales.price_category where id = ? and event_id = ?`, [categoryId, eventId]);
    return rows.length > 0;
  }

  /** Highest unit number of a GA area in the event (null: no such area). */
  async areaMaxUnit(eventId: string, areaId: string): Promise<number | null> {
    const [r] = await this.exec<{ max: number | null }>(`select max(unit_no) as max from sales.stock_unit where event_id = ? and area_id = ?`, [eventId, areaId]);
    return r?.max ?? null;
  }

  /** Why a specific-seat reservation failed (only on the slow, failing path). */
  async diagnoseSeats(ctx: EventContext, seatIds: string[]) {
    return this.exec<{ seat_id: string; in_channel: boolean; available: boolean }>(
      `select seat_id, contingent_id = any(?::uuid[]) as in_channel,
              (status = 'free' or (status = 'held' and hold_expires_at < now())) as available
         from sales.stock_unit where event_id = ? and seat_id = any(?::uuid[])`,
      [uuidArray(ctx.contingentIds), ctx.eventId, uuidArray(seatIds)],
    );
  }

  private async take(ctx: EventContext, candidates: string, candParams: unknown[], count: number, draft: HoldDraft, candIsCteList = false): Promise<HoldResult | null> {
    const holdId = newId();
    const token = HOLD_TOKEN_PREFIX + randomToken(24);
    const rows = await this.execPrepared<UnitRow>(
      `with ${candIsCteList ? candidates : `cand as (${candidates})`},
       ok as (select count(*) = ?::int as ok from cand),
       h as (insert into sales.hold (id, token_hash, event_id, organizer_id, channel, office_id, created_by, quantity, expires_at)
             select ?::uuid, ?::bytea, ?::uuid, ?::uuid, ?::text, ?::uuid, ?::uuid, ?::int, now() + make_interval(secs => ?::int) where (select ok from ok)
             returning expires_at),
       upd as (update sales.stock_unit u set status = 'held', hold_id = ?::uuid, hold_expires_at = (select expires_at from h)
                 from cand where u.event_id = ?::uuid and u.unit_no = cand.unit_no and (select ok from ok)
               returning u.unit_no, u.kind, u.seat_id, u.area_id, u.category_id)
       select upd.*, (select expires_at from h) as expires_at,
              (select json_build_array(b.name, ps.row_label, ps.seat_label) from sales.plan_seat ps
                 join sales.plan_block b on b.id = ps.block_id where ps.id = upd.seat_id) as labels,
              (select a.name from sales.plan_area a where a.id = upd.area_id) as area_name
         from upd order by upd.unit_no`,
      [
        ...candParams,
        count,
        holdId,
        hashHoldToken(token),
        ctx.eventId,
        ctx.organizerId,
        ctx.channel,
        ctx.officeId,
        draft.createdBy,
        count,
        draft.ttlSeconds,
        holdId,
        ctx.eventId,
      ],
    );
    if (rows.length !== count) return null;
    return {
      holdId,
      holdToken: token,
      eventId: ctx.eventId,
      channel: ctx.channel,
      expiresAt: new Date(rows[0].expires_at).toISOString(),
      items: rows.map((r) => ({
        unitNo: r.unit_no,
        kind: r.kind,
        seatId: r.seat_id,
        areaId: r.area_id,
        categoryId: r.category_id,
        block: r.labels?.[0] ?? null,
        row: r.labels?.[1] ?? null,
        seat: r.labels?.[2] ?? null,
        areaName: r.area_name,
      })),
    };
  }
}
