import { MikroORM } from '@mikro-orm/core';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { hash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { newId, randomTokens } from '../../../../shared-kernel/ids';
import type { CandidateSeat } from '../../domain/best-available';
import type { EventContext } from '../event-context';
import { intArray, uuidArray } from '../sales-actor';
import { GroupCommit } from '../../../../infrastructure/batching/group-commit';
import { PreparedPool } from '../../../../infrastructure/database/prepared-pool';

export const HOLD_TOKEN_PREFIX = 'pth_';
/** SHA-256 of a hold token (what is stored; one-shot `crypto.hash`, no Hash object per token). */
export const hashHoldToken = (token: string): Buffer => hash('sha256', token, 'buffer');

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
  /** The hold's expiry in epoch milliseconds (a float8: no timestamp text for the driver to parse per row). */
  expires_ms: number;
}

interface GaRequest {
  ctx: EventContext;
  areaId: string;
  quantity: number;
  capacityHint: number;
  draft: HoldDraft;
}

type ExactMode = 'seat' | 'unit';

interface ExactRequest {
  ctx: EventContext;
  mode: ExactMode;
  /** Seat ids (mode seat) or unit numbers as strings (mode unit). */
  keys: string[];
  draft: HoldDraft;
}

/** The next exact batch: queued requests in arrival order, skipping any that wants a place one already taken wants. */
function nonOverlapping(queue: readonly ExactRequest[], maxBatch: number): ExactRequest[] {
  const batch: ExactRequest[] = [];
  const used = new Set<string>();
  for (const r of queue) {
    if (batch.length >= maxBatch) break;
    if (r.keys.some((k) => used.has(k))) continue;
    batch.push(r);
    for (const k of r.keys) used.add(k);
  }
  return batch;
}

/** The per-request arrays of a batch statement: hold id, token hash (hex), place count, created_by, ttl. */
function holdArrays(holdIds: string[], tokens: string[], batch: { draft: HoldDraft; keys: { length: number } }[]): string[] {
  return [
    uuidArray(holdIds),
    `{${tokens.map((t) => hashHoldToken(t).toString('hex')).join(',')}}`,
    intArray(batch.map((r) => r.keys.length)),
    `{${batch.map((r) => (r.draft.createdBy === null ? 'NULL' : uuidArray([r.draft.createdBy]).slice(1, -1))).join(',')}}`,
    intArray(batch.map((r) => r.draft.ttlSeconds)),
  ];
}

/** Decodes `readFreeSeats`' packed bytea: 16 bytes per seat (unit_no, row_no, pos, rank as big-endian int4). */
export function unpackSeats(packed: Buffer | null): CandidateSeat[] {
  if (!packed) return [];
  const n = packed.length >>> 4;
  const out = new Array<CandidateSeat>(n);
  for (let i = 0, o = 0; i < n; i++, o += 16) {
    out[i] = { unitNo: packed.readInt32BE(o), rowNo: packed.readInt32BE(o + 4), pos: packed.readInt32BE(o + 8), rank: packed.readInt32BE(o + 12) };
  }
  return out;
}

function groupByHold<R extends { hold_id: string }>(rows: R[]): Map<string, R[]> {
  const m = new Map<string, R[]>();
  for (const r of rows) {
    let l = m.get(r.hold_id);
    if (!l) m.set(r.hold_id, (l = []));
    l.push(r);
  }
  return m;
}

/**
 * The event's expired holds that the sweep has not closed yet (one `?`: the event id), as an array for
 * `stock_unit.hold_id = any(…)`: the way to its expired-held places (index hold_active_expiry, then stock_unit_hold).
 * An array rather than a join: with a join the planner, trusting statistics taken while every place was free, chose to
 * scan all of stock_unit_hold (40 ms at 70,000 held places); `hold_id = any(array)` is always an index condition.
 */
const EXPIRED_HOLDS = `array(select id from sales.hold where status = 'active' and expires_at < now() and event_id = ?)`;

/** A timestamptz as epoch milliseconds (float8, which the driver returns as a number): what the API sends as ISO text. */
const EPOCH_MS = (col: string) => `floor(extract(epoch from ${col}) * 1000)::float8`;

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
export class ReservationStore implements OnApplicationShutdown {
  /**
   * At most this many batch statements per lane (event/area, channel) in flight at once; at most this many requests
   * per batch. Measured 2026-12-04 (64 clients, load 3.3): 1 in flight → 6–7 requests per statement, 542 res/s,
   * 1.09 + 0.54 ms CPU (API + PG) per request, p99 757 ms; 2 in flight → 3.6–4, 373/s, 1.44 + 0.80 ms, p99 954 ms.
   */
  static readonly LANE_PARALLELISM = 1;
  static readonly BATCH_MAX = 64;

  /**
   * A small pool of its own for the hold statements (takeExact, takeGa, freeSeats) — nothing else runs on it:
   * - no knex/tarn acquire and release per statement (measurable CPU per request on the hot path);
   * - `synchronous_commit = off` for these sessions: a hold's commit returns before its WAL is flushed (PostgreSQL
   *   flushes it within wal_writer_delay, 200 ms). Isolation and atomicity are unchanged (the statement is still
   *   all-or-nothing, other sessions see the hold as soon as it commits, the database trigger still guards every
   *   place). The only thing given up: after a crash of the database server the holds of the last ~0.6 s may be
   *   gone — those places are simply free again, and the customer's hold token is refused (404/410) instead of
   *   leading to an order. An order can never be durable while its hold is not: orders, payments and releases run
   *   on the ORM pool with the server default (synchronous_commit = on), and a commit flushes the WAL up to its own
   *   record, which includes every earlier hold record. So durability of orders/payments is untouched.
   */
  private readonly pool: PreparedPool;

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.pool = PreparedPool.forModule(config, { name: 'proticket-holds', divisor: 2, cap: 12, settings: '-c synchronous_commit=off' });
  }

  /**
   * Closed only after the graceful-shutdown drain (Nest calls onModuleDestroy BEFORE beforeApplicationShutdown, so
   * closing here would answer every hold during the drain with a 500).
   */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  private exec<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.orm.em.getConnection().execute<T[]>(sql, params as never[], 'all');
  }

  /**
   * Runs a hot-path statement as a named prepared statement on the hold pool: PostgreSQL parses and plans it once per
   * connection instead of per request (planning was most of the statement's cost).
   */
  private execPrepared<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.pool.query<T>(sql, params);
  }

  /**
   * Takes exactly these places (by seat id or unit number) or nothing.
   *
   * Micro-batched like `takeGa`: concurrent requests of this process for the same event and channel are run as one
   * statement (`takeExactBatch`). Requests that want a common place are never put into the same batch (the later one
   * waits for the next batch), so inside a batch each request succeeds or fails on its own, exactly as alone.
   */
  takeExact(ctx: EventContext, by: { seatIds: string[] } | { unitNos: number[] }, draft: HoldDraft): Promise<HoldResult | null> {
    const mode: ExactMode = 'seatIds' in by ? 'seat' : 'unit';
    const keys = 'seatIds' in by ? by.seatIds : by.unitNos.map(String);
    const key = `${mode}|${ctx.eventId}|${ctx.channel}|${ctx.officeId ?? ''}|${ctx.contingentIds.join(',')}`;
    return this.exactBatches.submit(key, { ctx, mode, keys, draft });
  }

  /**
   * Batch statements run, requests they carried, free-seat reads, and the time (ms, as the API sees it: round trip
   * plus waiting for the event loop) spent in each kind — reported by the benchmark.
   */
  readonly batchStats = { exactStatements: 0, exactRequests: 0, exactMs: 0, gaStatements: 0, gaRequests: 0, gaMs: 0, seatReads: 0, seatReadMs: 0 };

  private timed<T>(work: Promise<T>, into: 'exactMs' | 'gaMs' | 'seatReadMs'): Promise<T> {
    const t0 = performance.now();
    return work.finally(() => (this.batchStats[into] += performance.now() - t0));
  }

  private readonly exactBatches = new GroupCommit<ExactRequest, HoldResult | null>({
    maxBatch: ReservationStore.BATCH_MAX,
    parallelism: ReservationStore.LANE_PARALLELISM,
    select: nonOverlapping,
    run: (batch) => {
      this.batchStats.exactStatements++;
      this.batchStats.exactRequests += batch.length;
      return this.timed(this.takeExactBatch(batch), 'exactMs');
    },
  });

  /**
   * One statement for a batch of exact requests (same event, channel and contingents; no place wanted twice in the
   * batch): locks the wanted places that are available, in unit_no order (overlapping statements cannot deadlock),
   * and serves each request whose places were ALL found — a request missing any place gets nothing (no hold row).
   */
  private async takeExactBatch(batch: ExactRequest[]): Promise<(HoldResult | null)[]> {
    const { ctx, mode } = batch[0];
    const tokens = randomTokens(batch.length, 24).map((t) => HOLD_TOKEN_PREFIX + t);
    const holdIds = batch.map(() => newId());
    const ords: number[] = [];
    const keys: string[] = [];
    batch.forEach((r, i) => {
      for (const k of r.keys) {
        ords.push(i + 1);
        keys.push(k);
      }
    });
    const [col, type, list] = mode === 'seat' ? ['seat_id', 'uuid', uuidArray(keys)] : ['unit_no', 'int', intArray(keys.map(Number))];
    const rows = await this.execPrepared<UnitRow & { hold_id: string }>(
      `with req as (select * from unnest(?::uuid[], ?::text[], ?::int[], ?::text[], ?::int[]) with ordinality as r(hold_id, token_hex, cnt, created_by, ttl, ord)),
       items as (select * from unnest(?::int[], ?::${type}[]) as i(ord, k)),
       cand as (select unit_no, ${col} as k from sales.stock_unit
                 where event_id = ? and ${col} = any(?::${type}[]) and contingent_id = any(?::uuid[])
                   and (status = 'free' or (status = 'held' and hold_expires_at < now()))
                 order by unit_no for update),
       hit as (select items.ord, cand.unit_no from items join cand on cand.k = items.k),
       served as (select req.* from req where (select count(*) from hit where hit.ord = req.ord) = req.cnt),
       h as (insert into sales.hold (id, token_hash, event_id, organizer_id, channel, office_id, created_by, quantity, expires_at)
             select hold_id, decode(token_hex, 'hex'), ?::uuid, ?::uuid, ?::text, ?::uuid, created_by::uuid, cnt, now() + make_interval(secs => ttl)
               from served
             returning id, expires_at),
       upd as (update sales.stock_unit u set status = 'held', hold_id = h.id, hold_expires_at = h.expires_at
                 from hit join served on served.ord = hit.ord join h on h.id = served.hold_id
                where u.event_id = ?::uuid and u.unit_no = hit.unit_no
               returning u.unit_no, u.kind, u.seat_id, u.area_id, u.category_id, u.hold_id, ${EPOCH_MS('h.expires_at')} as expires_ms)
       select upd.*,
              (select json_build_array(b.name, ps.row_label, ps.seat_label) from sales.plan_seat ps
                 join sales.plan_block b on b.id = ps.block_id where ps.id = upd.seat_id) as labels,
              (select a.name from sales.plan_area a where a.id = upd.area_id) as area_name
         from upd order by upd.unit_no`,
      [
        ...holdArrays(holdIds, tokens, batch),
        intArray(ords),
        list,
        ctx.eventId,
        list,
        uuidArray(ctx.contingentIds),
        ctx.eventId,
        ctx.organizerId,
        ctx.channel,
        ctx.officeId,
        ctx.eventId,
      ],
    );
    const byHold = groupByHold(rows);
    return batch.map((req, i) => {
      const mine = byHold.get(holdIds[i]);
      if (!mine || mine.length !== req.keys.length) return null;
      return {
        holdId: holdIds[i],
        holdToken: tokens[i],
        eventId: ctx.eventId,
        channel: ctx.channel,
        expiresAt: new Date(mine[0].expires_ms).toISOString(),
        items: mine.map((r) => ({
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
    });
  }

  /**
   * Takes `quantity` general-admission places of an area (any, SKIP LOCKED from a random start) or nothing.
   *
   * Micro-batched (group commit): GA requests of this process for the same area and channel that arrive while a
   * statement for that area is in flight are queued and then run together as ONE statement (`takeGaBatch`), so N
   * concurrent requests cost one round trip, one plan execution and one commit instead of N. No timer: a lone request
   * goes out at once; batching only happens under concurrency. Each request in a batch is still all-or-nothing.
   */
  takeGa(ctx: EventContext, areaId: string, quantity: number, capacityHint: number, draft: HoldDraft): Promise<HoldResult | null> {
    const key = `${ctx.eventId}|${areaId}|${ctx.channel}|${ctx.officeId ?? ''}|${ctx.contingentIds.join(',')}`;
    return this.gaBatches.submit(key, { ctx, areaId, quantity, capacityHint, draft });
  }

  private readonly gaBatches = new GroupCommit<GaRequest, HoldResult | null>({
    maxBatch: ReservationStore.BATCH_MAX,
    parallelism: ReservationStore.LANE_PARALLELISM,
    run: (batch) => {
      this.batchStats.gaStatements++;
      this.batchStats.gaRequests += batch.length;
      return this.timed(this.takeGaBatch(batch), 'gaMs');
    },
  });

  /**
   * One statement for a batch of GA requests (same event, area and contingents): finds up to Σ quantity free (or
   * expired-held, reached through their expired holds as in `readFreeSeats`) places with SKIP LOCKED, numbers them,
   * and serves the requests in arrival order while the running total of their quantities fits into what was found
   * (request k gets places rn ∈ (cum_k − qty_k, cum_k]). A request that does not fit gets nothing — no hold row, no
   * place — exactly as if it had run alone and found too few.
   * Returns one result per request (null: not served).
   */
  private async takeGaBatch(batch: GaRequest[]): Promise<(HoldResult | null)[]> {
    const { ctx, areaId } = batch[0];
    const start = Math.floor(Math.random() * Math.max(1, batch[0].capacityHint));
    const tokens = randomTokens(batch.length, 24).map((t) => HOLD_TOKEN_PREFIX + t);
    const holdIds = batch.map(() => newId());
    const e = ctx.eventId;
    const cont = uuidArray(ctx.contingentIds);
    const base = `from sales.stock_unit where event_id = ? and area_id = ? and kind = 'ga' and contingent_id = any(?::uuid[])`;
    // one row per served hold (its unit numbers as one string): fewer rows for the driver to build than one per place
    const rows = await this.execPrepared<{ hold_id: string; units: string; category_id: string; expires_ms: number; area_name: string | null }>(
      `with req as (select * from unnest(?::uuid[], ?::text[], ?::int[], ?::text[], ?::int[]) with ordinality as r(hold_id, token_hex, qty, created_by, ttl, ord)),
       total as (select sum(qty)::int as n from req),
       c1 as (select unit_no ${base} and status = 'free' and unit_no >= ? order by unit_no limit (select n from total) for update skip locked),
       c2 as (select unit_no ${base} and status = 'free' and unit_no < ? and (select count(*) from c1) < (select n from total)
                order by unit_no limit (select n from total) for update skip locked),
       c3 as (select unit_no ${base} and status = 'held' and hold_expires_at < now() and hold_id = any(${EXPIRED_HOLDS})
                and (select count(*) from c1) + (select count(*) from c2) < (select n from total) limit (select n from total) for update skip locked),
       cand as (select unit_no, row_number() over (order by unit_no) as rn
                  from (select unit_no from c1 union all select unit_no from c2 union all select unit_no from c3) x),
       served as (select * from (select req.*, sum(qty) over (order by ord) as cum from req) q where cum <= (select count(*) from cand)),
       h as (insert into sales.hold (id, token_hash, event_id, organizer_id, channel, office_id, created_by, quantity, expires_at)
             select hold_id, decode(token_hex, 'hex'), ?::uuid, ?::uuid, ?::text, ?::uuid, created_by::uuid, qty, now() + make_interval(secs => ttl)
               from served
             returning id, expires_at),
       assign as (select cand.unit_no, served.hold_id from cand join served on cand.rn > served.cum - served.qty and cand.rn <= served.cum),
       upd as (update sales.stock_unit u set status = 'held', hold_id = assign.hold_id, hold_expires_at = h.expires_at
                 from assign join h on h.id = assign.hold_id
                where u.event_id = ?::uuid and u.unit_no = assign.unit_no
               returning u.unit_no, u.hold_id, u.category_id, h.expires_at)
       select upd.hold_id, ${EPOCH_MS('upd.expires_at')} as expires_ms, min(upd.category_id::text) as category_id, string_agg(upd.unit_no::text, ',' order by upd.unit_no) as units,
              (select a.name from sales.plan_area a where a.id = ?::uuid) as area_name
         from upd group by upd.hold_id, upd.expires_at`,
      [
        ...holdArrays(holdIds, tokens, batch.map((r) => ({ draft: r.draft, keys: { length: r.quantity } }))),
        e, areaId, cont, start,
        e, areaId, cont, start,
        e, areaId, cont, e,
        e, ctx.organizerId, ctx.channel, ctx.officeId,
        e,
        areaId,
      ],
    );
    const byHold = new Map(rows.map((r) => [r.hold_id, r]));
    return batch.map((req, i) => {
      const mine = byHold.get(holdIds[i]);
      const units = mine ? mine.units.split(',') : [];
      if (!mine || units.length !== req.quantity) return null; // not served (a partial result cannot happen: see `served`)
      const expiresAt = new Date(mine.expires_ms).toISOString();
      return {
        holdId: holdIds[i],
        holdToken: tokens[i],
        eventId: ctx.eventId,
        channel: ctx.channel,
        expiresAt,
        items: units.map((u) => ({
          unitNo: Number(u),
          kind: 'ga' as const,
          seatId: null,
          areaId,
          categoryId: mine.category_id,
          block: null,
          row: null,
          seat: null,
          areaName: mine.area_name,
        })),
      };
    });
  }

  /**
   * Free (or expired-held) seats of a category in the channel's contingents: the `limit` best-ranked free ones plus at
   * most `limit` best-ranked expired-held ones, returned in (row, position) order — the order best-available scans in.
   * Expired-held places are reached through their expired, not yet swept holds (`sales.hold`, index
   * hold_active_expiry) and `stock_unit_hold`: no index on the places' own expiry to write on every hold.
   */
  freeSeats(ctx: EventContext, categoryId: string, limit: number): Promise<CandidateSeat[]> {
    // Single flight: concurrent best-available requests for the same category share one read that is still in
    // flight (never a finished one, so nothing stale is reused); each then picks around the others' in-flight seats.
    const key = `${ctx.eventId}|${categoryId}|${limit}|${ctx.contingentIds.join(',')}`;
    let read = this.freeSeatReads.get(key);
    if (!read) {
      this.batchStats.seatReads++;
      read = this.timed(this.readFreeSeats(ctx, categoryId, limit), 'seatReadMs');
      this.freeSeatReads.set(key, read);
      const done = read;
      void done.then(
        () => this.freeSeatReads.get(key) === done && this.freeSeatReads.delete(key),
        () => this.freeSeatReads.get(key) === done && this.freeSeatReads.delete(key),
      );
    }
    return read;
  }

  private readonly freeSeatReads = new Map<string, Promise<CandidateSeat[]>>();

  /**
   * One row with one bytea: four big-endian int4 (unit_no, row_no, pos, rank) per seat, sorted by row and position in
   * the database. A read returns up to 2 × limit seats (hundreds): as rows, the driver built an object and parsed four
   * integers from text per seat, which was the largest part of best-available's cost in the API (bench:reserve
   * profile, docs/benchmarks.md); packed, it is one buffer read with readInt32BE.
   */
  private async readFreeSeats(ctx: EventContext, categoryId: string, limit: number): Promise<CandidateSeat[]> {
    const cont = uuidArray(ctx.contingentIds);
    const [row] = await this.execPrepared<{ packed: Buffer | null }>(
      `select string_agg(int4send(unit_no) || int4send(row_no) || int4send(pos) || int4send(rank), ''::bytea order by row_no, pos) as packed
         from ((select unit_no, row_no, pos, rank from sales.stock_unit
                 where event_id = ? and category_id = ? and kind = 'seat' and status = 'free' and contingent_id = any(?::uuid[])
                 order by rank limit ?)
               union all
               (select unit_no, row_no, pos, rank from sales.stock_unit
                 where hold_id = any(${EXPIRED_HOLDS}) and event_id = ? and status = 'held' and hold_expires_at < now()
                   and category_id = ? and kind = 'seat' and contingent_id = any(?::uuid[])
                 order by rank limit ?)) seats`,
      [ctx.eventId, categoryId, cont, limit, ctx.eventId, ctx.eventId, categoryId, cont, limit],
    );
    return unpackSeats(row?.packed ?? null);
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

  /**
   * Why a specific-seat reservation failed. The failing path, but not a rare one in an onsale (a seat someone else took
   * a moment ago: a fifth of the bench's specific-seat requests): a prepared statement on the hold pool, not an ORM
   * query that is parsed and planned each time.
   */
  async diagnoseSeats(ctx: EventContext, seatIds: string[]) {
    return this.execPrepared<{ seat_id: string; in_channel: boolean; available: boolean }>(
      `select seat_id, contingent_id = any(?::uuid[]) as in_channel,
              (status = 'free' or (status = 'held' and hold_expires_at < now())) as available
         from sales.stock_unit where event_id = ? and seat_id = any(?::uuid[])`,
      [uuidArray(ctx.contingentIds), ctx.eventId, uuidArray(seatIds)],
    );
  }
}
