/**
 * `npm run bench:reservations [-- --instances 2 --clients 64 --seconds 40 --pgbench-seconds 15 --warmup 0|1 --driver lean|undici]`
 *
 * Reservation throughput over real HTTPS against a scratch database:
 * 1. migrates a scratch database, starts N API instances (child processes, same database),
 * 2. warms the instances up: the same clients sell out an event of half the size (skipped with `--warmup 0`),
 *    then creates the measured event with 20,000 seats (4 blocks × 50 rows × 100) and a 50,000-place GA area, all online,
 * 3. 64 concurrent HTTPS clients (connections opened before the clock starts) reserve through the public shop API
 *    (mix: 1–4 specific seats, best-available 2–6, GA 1–4) until everything is held (or the time cap),
 * 4. checks the result against the database (oversold seats / GA places, phantom holds),
 * 5. measures the framework floor: the same clients on GET /health/live (API CPU per request without Sales code),
 * 6. measures `pgbench -N -c 32 -j 2 -T 15` on a scratch database as the baseline, before the API instances start and
 *    after the load (the mean is the baseline; both are reported),
 * then prints a table and, as the last line, one JSON object.
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { Client } from 'pg';
import { Agent, request } from 'undici';
import { loadConfig } from '../../config/configuration';
import { loadTlsMaterial } from '../../src/infrastructure/http/tls-material';
import { BENCH_ADMIN, BENCH_ARGS, PG_BASE, ROOT, RUN, adminSql, dbUrl, numberArg, apiServerArgs, LeanHttpsConnection } from './support';

const args = BENCH_ARGS;
const arg = numberArg;
const INSTANCES = arg('instances', 1);
const CLIENTS = arg('clients', 64);
/** The load phases' HTTPS client: `lean` (default, see LeanHttpsConnection in support.ts) or `undici`. */
const DRIVER = BENCH_ARGS.includes('--driver') ? BENCH_ARGS[BENCH_ARGS.indexOf('--driver') + 1] : 'lean';
const SECONDS = arg('seconds', 40);
const PGBENCH_SECONDS = arg('pgbench-seconds', 15);
const BASE_PORT = arg('port', 18443);
const KEEP_DB = args.includes('--keep-db');
const FLOOR_SECONDS = arg('floor-seconds', 5);
/** `--warmup 0`: measure a freshly started instance (no warm-up event sold out first). */
const WARMUP = arg('warmup', 1) > 0;
/** `p99_after_2s_ms` leaves out the requests sent in the load's first WARM_S seconds. */
const WARM_S = 2;
const BENCH_DB = `proticket_bench_${RUN}`;
const PGBENCH_DB = `proticket_pgbench_${RUN}`;
const ADMIN = BENCH_ADMIN;
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

const admin = adminSql;

const serverCpuUs: number[] = [];
let serverCpuAtLoadStart: number[] = [];

/** CPU time (ms) of the PostgreSQL backends serving the bench database, read from /proc. */
async function dbBackendCpuMs(): Promise<Map<number, number>> {
  const c = new Client({ connectionString: PG_BASE });
  await c.connect();
  try {
    const { rows } = await c.query(`select pid from pg_stat_activity where datname = $1`, [BENCH_DB]);
    const tick = 100; // USER_HZ
    const out = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8') as string;
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(pid, ((Number(f[11]) + Number(f[12])) * 1000) / tick);
      } catch {
        /* backend gone */
      }
    }
    return out;
  } finally {
    await c.end();
  }
}

/** The server's current WAL position. */
async function walLsn(): Promise<string> {
  const { rows } = await adminSql(`select pg_current_wal_lsn()::text as lsn`);
  return rows[0].lsn;
}

/** WAL bytes written by the server since `lsn`. */
async function walBytesSince(lsn: string): Promise<number> {
  const { rows } = await adminSql(`select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 as n`, [lsn]);
  return rows[0].n;
}

/** CPU time (ms) of a process, from /proc (user + system). */
async function serverCpu(pid: number): Promise<number> {
  const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8') as string;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

function startServer(i: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const port = BASE_PORT + i;
    const child = spawn(process.execPath, apiServerArgs('reservations'), {
      cwd: ROOT,
      env: { ...env, HTTP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => reject(new Error(`instance ${i} did not start`)), 90_000);
    child.stdout!.on('data', (d: Buffer) => {
      const m = /CPU (\d+) (\d+)/.exec(d.toString());
      if (m) serverCpuUs[i] = Number(m[1]) + Number(m[2]);
      if (d.toString().includes('READY')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`instance ${i} exited with ${code}`)));
    (child as ChildProcess & { benchIndex?: number }).benchIndex = i;
  });
}

/** `pgbench -N -c 32 -j 2 -T <PGBENCH_SECONDS>` on a fresh scratch database (scale 10, dropped after); its TPS. */
function pgbench(when: string): number {
  log(`pgbench baseline (${when}) on ${PGBENCH_DB}`);
  const pgUrl = new URL(dbUrl(PGBENCH_DB));
  const pgArgs = ['-h', pgUrl.hostname, '-p', pgUrl.port || '5432', '-U', decodeURIComponent(pgUrl.username || 'postgres')];
  const psql = (sql: string) =>
    execFileSync('psql', [...pgArgs, '-d', 'postgres', '-qc', sql], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });
  psql(`drop database if exists "${PGBENCH_DB}" with (force)`);
  psql(`create database "${PGBENCH_DB}"`);
  try {
    execFileSync('pgbench', [...pgArgs, '-i', '-q', '-s', '10', PGBENCH_DB], { stdio: ['ignore', 'ignore', 'ignore'] });
    const out = execFileSync('pgbench', [...pgArgs, '-N', '-c', '32', '-j', '2', '-T', String(PGBENCH_SECONDS), PGBENCH_DB], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0);
  } finally {
    psql(`drop database if exists "${PGBENCH_DB}" with (force)`);
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: dbUrl(BENCH_DB),
    DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? '24',
    REDIS_KEY_PREFIX: `pt-bench-${RUN}`,
    LOG_LEVEL: 'silent',
    WORKERS_IN_PROCESS: 'false',
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    SALES_MAX_PLACES_ONLINE: '10',
    SALES_PLAN_MAX_SEATS: '100000',
    // 64 clients share one address here: the public rate limit stays on (one Redis call per hold, as in production)
    // but above this bench's pace
    RATE_LIMIT_PUBLIC_WRITES_PER_MIN: process.env.RATE_LIMIT_PUBLIC_WRITES_PER_MIN ?? '1000000',
  };
  log(`migrating scratch database ${BENCH_DB}`);
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migrate.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const config = loadConfig(env);
  const tls = await loadTlsMaterial(config);
  // The baseline is measured twice, right before the API instances start and right after the load, and averaged: this
  // machine's speed drifts within tens of seconds (identical runs moved ±15 %), and a baseline taken only after the
  // load paired a slow load with a fast baseline (or the reverse). Each measurement is the same procedure.
  const tpsBefore = pgbench('before the load');
  log(`starting ${INSTANCES} API instance(s)`);
  const servers: ChildProcess[] = [];
  try {
    for (let i = 0; i < INSTANCES; i++) servers.push(await startServer(i, env));
    const agent = new Agent({ connect: { ca: tls.ca, servername: 'localhost' }, connections: CLIENTS, keepAliveTimeout: 30_000 });
    const call = async (i: number, method: string, p: string, body?: unknown, token?: string) => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token) headers.authorization = `Bearer ${token}`;
      const r = await request(`https://127.0.0.1:${BASE_PORT + (i % INSTANCES)}${p}`, {
        method: method as never,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: agent,
      });
      const text = await r.body.text();
      return { status: r.statusCode, body: text ? JSON.parse(text) : null };
    };
    // the load phases' clients: one lean keep-alive HTTPS connection each (LeanHttpsConnection), or undici's pool
    const lean = Array.from({ length: CLIENTS }, (_, c) => new LeanHttpsConnection('127.0.0.1', BASE_PORT + (c % INSTANCES), tls.ca!));
    const loadCall = async (c: number, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> => {
      if (DRIVER === 'undici') return call(c, method, p, body);
      const r = await lean[c].request(method, p, body === undefined ? {} : { 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
      return { status: r.status, body: r.body.length ? JSON.parse(r.body.toString()) : null };
    };

    // ---- setup: organizer, venue, 20,000-seat plan + 50,000 GA, event all online ---------------------------------
    const adminToken = (await call(0, 'POST', '/auth/login', ADMIN)).body.token;
    const org = await call(0, 'POST', '/organizations', { kind: 'organizer', name: `Bench ${RUN}` }, adminToken);
    const pw = 'bench-organizer-password-0123';
    await call(0, 'POST', '/users', { organizationId: org.body.id, email: `org-${RUN}@bench.local`, displayName: 'bench', password: pw, roles: ['organizer-admin'] }, adminToken);
    const token = (await call(0, 'POST', '/auth/login', { email: `org-${RUN}@bench.local`, password: pw })).body.token;
    const venue = await call(0, 'POST', '/sales/venues', { name: 'Bench Arena' }, token);
    /** A plan of 4 blocks × rowsPerBlock rows × 100 seats (the first 40 % of the rows category A, the rest B) + a GA area, and an event on it. */
    const setUpEvent = async (name: string, rowsPerBlock: number, gaTotal: number) => {
      const plan = {
        name: 'Arena',
        stage: { x: 500, y: 0 },
        blocks: Array.from({ length: 4 }, (_, b) => ({
          name: `Block ${b + 1}`,
          rows: Array.from({ length: rowsPerBlock }, (_, r) => ({
            label: String(r + 1),
            seats: Array.from({ length: 100 }, (_, s) => ({ label: String(s + 1), x: b * 1100 + s * 10, y: 20 + r * 10, category: r < rowsPerBlock * 0.4 ? 'A' : 'B' })),
          })),
        })),
        areas: [{ name: 'Standing', category: 'GA', capacity: gaTotal }],
      };
      let t0 = Date.now();
      const pl = await call(0, 'POST', `/sales/venues/${venue.body.id}/plans`, plan, token);
      if (pl.status !== 201) throw new Error(`plan upload failed: ${pl.status} ${JSON.stringify(pl.body)}`);
      const planUploadMs = Date.now() - t0;
      const now = Date.now();
      t0 = Date.now();
      const ev = await call(
        0,
        'POST',
        '/sales/events',
        {
          planId: pl.body.id,
          name,
          startsAt: new Date(now + 30 * 86400_000).toISOString(),
          salesStart: new Date(now - 3600_000).toISOString(),
          salesEnd: new Date(now + 29 * 86400_000).toISOString(),
          currency: 'EUR',
          categories: [
            { key: 'A', name: 'Cat 1', prices: { adult: 8900 } },
            { key: 'B', name: 'Cat 2', prices: { adult: 5900 } },
            { key: 'GA', name: 'Standing', prices: { adult: 4900 } },
          ],
          initialContingent: { kind: 'online' },
        },
        token,
      );
      if (ev.status !== 201) throw new Error(`event failed: ${ev.status} ${JSON.stringify(ev.body)}`);
      const eventCreateMs = Date.now() - t0;
      const eventId = ev.body.id as string;
      const cat = Object.fromEntries((ev.body.categories as { id: string; key: string }[]).map((c) => [c.key, c.id]));
      const detail = await call(0, 'GET', `/shop/events/${eventId}`);
      const areaId = detail.body.areas[0].id as string;
      const map = await call(0, 'GET', `/shop/events/${eventId}/seat-map`);
      const seatIds: string[] = map.body.seats.map((s: { id: string }) => s.id);
      return { eventId, cat, areaId, seatIds, planUploadMs, eventCreateMs, gaTotal };
    };
    type BenchEvent = Awaited<ReturnType<typeof setUpEvent>>;

    /** 64 clients reserve on `e` until everything is held (or the time cap); what they won and what it cost. */
    const runLoad = async (e: BenchEvent) => {
      const { eventId, cat, areaId, seatIds, gaTotal } = e;
      const seatTotal = seatIds.length;
      const unknownFree = new Set(seatIds); // seats nobody has reported winning yet (specific-seat picks come from here)
      const open = { A: true, B: true, ga: true };
      const wonUnits = new Map<number, number>(); // unitNo → times won (must stay 1)
      let gaWon = 0;
      let seatWon = 0;
      let ok = 0;
      let refused = 0;
      let errors = 0;
      const lat: number[] = [];
      /** Latencies of requests sent at least WARM_S after the load started (the process's first seconds excluded). */
      const latWarm: number[] = [];
      const perKind: Record<string, { ok: number; refused: number; lat: number[] }> = {
        seats: { ok: 0, refused: 0, lat: [] },
        best: { ok: 0, refused: 0, lat: [] },
        ga: { ok: 0, refused: 0, lat: [] },
      };
      const errorKinds = new Map<string, number>();
      const deadline = Date.now() + SECONDS * 1000;
      const rnd = (n: number) => Math.floor(Math.random() * n);
      const seatArr = () => [...unknownFree];
      let cachedFree: string[] = seatArr();
      let cacheAt = Date.now();

      let seatsGoneAt: number | null = null;
      let okWhenSeatsGone = 0;
      const client = async (c: number) => {
        while (Date.now() < deadline && (seatWon < seatTotal || gaWon < gaTotal)) {
          const kinds: string[] = [];
          if (seatWon < seatTotal && (open.A || open.B)) kinds.push('best');
          if (seatWon < seatTotal && unknownFree.size > 0) kinds.push('seats');
          if (gaWon < gaTotal) kinds.push('ga');
          if (!kinds.length) break;
          const kind = kinds[rnd(kinds.length)];
          let p: string;
          let body: Record<string, unknown>;
          let bestKey: 'A' | 'B' = 'A';
          if (kind === 'seats') {
            if (Date.now() - cacheAt > 200) {
              cachedFree = seatArr();
              cacheAt = Date.now();
            }
            const start = rnd(Math.max(1, cachedFree.length));
            body = { seatIds: cachedFree.slice(start, start + 1 + rnd(4)) };
            if (!(body.seatIds as string[]).length) continue;
            p = `/shop/events/${eventId}/holds/seats`;
          } else if (kind === 'best') {
            bestKey = open.A && open.B ? (rnd(2) ? 'A' : 'B') : open.A ? 'A' : 'B';
            body = { categoryId: cat[bestKey], quantity: 2 + rnd(5), allowSplit: true };
            p = `/shop/events/${eventId}/holds/best-available`;
          } else {
            body = { areaId, quantity: 1 + rnd(4) };
            p = `/shop/events/${eventId}/holds/quantity`;
          }
          const t1 = performance.now();
          let r: { status: number; body: any };
          try {
            r = await loadCall(c, 'POST', p, body);
          } catch (e) {
            errors++;
            errorKinds.set(`network: ${(e as Error).message.slice(0, 60)}`, (errorKinds.get(`network: ${(e as Error).message.slice(0, 60)}`) ?? 0) + 1);
            continue;
          }
          lat.push(performance.now() - t1);
          if (t1 - started >= WARM_S * 1000) latWarm.push(performance.now() - t1);
          perKind[kind].lat.push(performance.now() - t1);
          if (r.status === 201) {
            ok++;
            perKind[kind].ok++;
            for (const it of r.body.items) {
              wonUnits.set(it.unitNo, (wonUnits.get(it.unitNo) ?? 0) + 1);
              if (it.kind === 'ga') gaWon++;
              else {
                seatWon++;
                unknownFree.delete(it.seatId);
              }
            }
            if (seatWon === seatTotal && seatsGoneAt === null) {
              seatsGoneAt = performance.now();
              okWhenSeatsGone = ok;
            }
          } else if (r.status === 409 || r.status === 422) {
            refused++;
            perKind[kind].refused++;
            if (kind === 'seats') for (const id of (r.body?.seatIds ?? []) as string[]) unknownFree.delete(id);
            if (kind === 'best' && r.body?.code === 'SALES.NOT_ENOUGH_AVAILABLE' && r.body.available === 0) open[bestKey] = false;
          } else {
            errors++;
            const k = `${r.status} ${r.body?.code ?? ''}`;
            errorKinds.set(k, (errorKinds.get(k) ?? 0) + 1);
          }
        }
      };
      const dbCpuBefore = await dbBackendCpuMs();
      const walBefore = await walLsn();
      const driverCpuBefore = process.cpuUsage();
      serverCpuAtLoadStart = await Promise.all(servers.map((s) => serverCpu(s.pid!)));
      const started = performance.now();
      // phases: until the last seat is held all three kinds run; after it only GA requests (a single lane per area)
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
      const elapsedS = (performance.now() - started) / 1000;
      log(`load done in ${elapsedS.toFixed(1)} s`);
      const driverCpu = process.cpuUsage(driverCpuBefore);
      const serverCpuMs = (await Promise.all(servers.map((s) => serverCpu(s.pid!)))).reduce((a, v, i) => a + v - serverCpuAtLoadStart[i], 0);
      const dbCpuAfter = await dbBackendCpuMs();
      const walBytes = await walBytesSince(walBefore);
      let dbCpuMs = 0;
      for (const [pid, ms] of dbCpuAfter) dbCpuMs += ms - (dbCpuBefore.get(pid) ?? 0);
      return { ok, refused, errors, errorKinds, lat, latWarm, perKind, wonUnits, seatWon, gaWon, seatsGoneAt, okWhenSeatsGone, started, elapsedS, driverCpu, serverCpuMs, dbCpuMs, walBytes };
    };

    // The clients' connections (TCP + TLS handshake with the server's RSA-4096 key) are opened before the clock starts,
    // as pgbench reports its TPS "without initial connection time": the figures are reservations on open connections.
    if (DRIVER !== 'undici') await Promise.all(lean.map((l) => l.open()));
    let warmup: { reservations_per_s: number; server_cpu_ms_per_request: number } | null = null;
    if (WARMUP) {
      // A freshly started Node process runs the hot path unoptimised and compiles it on background threads during the
      // first seconds of load (TurboFan: ~500 functions, about a second of CPU on this 2-core machine, while the clients
      // wait), and its prepared statements and connections are new. An instance that serves an onsale has long done
      // that: the warm-up sells out an event of half the size first (10,000 seats + 25,000 GA), reported on its own.
      const w = await setUpEvent('Bench warm-up', 25, 25_000);
      const r = await runLoad(w);
      warmup = { reservations_per_s: +(r.ok / r.elapsedS).toFixed(1), server_cpu_ms_per_request: +(r.serverCpuMs / Math.max(1, r.ok + r.refused)).toFixed(3) };
      log(`warm-up: ${w.seatIds.length} seats + ${w.gaTotal} GA sold out in ${r.elapsedS.toFixed(1)} s (${warmup.reservations_per_s} reservations/s, API CPU ${warmup.server_cpu_ms_per_request} ms/request)`);
    }
    const bench = await setUpEvent('Bench Night', 50, 50_000);
    const { eventId, planUploadMs, eventCreateMs } = bench;
    log(`event ready: ${bench.seatIds.length} seats + 50000 GA (plan upload ${planUploadMs} ms, event ${eventCreateMs} ms)`);
    log(`load: ${CLIENTS} clients on ${INSTANCES} instance(s)`);
    const { ok, refused, errors, errorKinds, lat, latWarm, perKind, wonUnits, seatWon, gaWon, seatsGoneAt, okWhenSeatsGone, started, elapsedS, driverCpu, serverCpuMs, dbCpuMs, walBytes } = await runLoad(bench);
    // ---- framework floor: the same clients on a trivial public route (GET /health/live, no database) -----------
    const floorCpuBefore = await Promise.all(servers.map((s) => serverCpu(s.pid!)));
    const floorEnd = Date.now() + FLOOR_SECONDS * 1000;
    let floorRequests = 0;
    const floorStarted = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        while (Date.now() < floorEnd) {
          const r = await loadCall(c, 'GET', '/health/live').catch(() => null);
          if (r?.status === 200) floorRequests++;
        }
      }),
    );
    const floorS = (performance.now() - floorStarted) / 1000;
    const floorCpuMs = (await Promise.all(servers.map((s) => serverCpu(s.pid!)))).reduce((a, v, i) => a + v - floorCpuBefore[i], 0);
    lean.forEach((l) => l.close());
    await agent.close();

    // ---- verify against the database -------------------------------------------------------------------------------
    const db = new Client({ connectionString: dbUrl(BENCH_DB) });
    await db.connect();
    const { rows: [dbc] } = await db.query(
      `select count(*) filter (where kind = 'seat' and status = 'held')::int as seats_held,
              count(*) filter (where kind = 'ga' and status = 'held')::int as ga_held,
              count(*) filter (where kind = 'seat')::int as seats, count(*) filter (where kind = 'ga')::int as ga
         from sales.stock_unit where event_id = $1`,
      [eventId],
    );
    const { rows: [hm] } = await db.query(
      // One hash join + aggregate (a correlated count per hold ran for minutes once a run had ~15k holds).
      `select count(*)::int as n from (
         select h.quantity, count(u.unit_no) as places from sales.hold h
           left join sales.stock_unit u on u.event_id = h.event_id and u.hold_id = h.id and u.status = 'held'
          where h.event_id = $1 group by h.id, h.quantity) x
        where x.places <> x.quantity`,
      [eventId],
    );
    await db.end();
    const twice = [...wonUnits.entries()].filter(([, n]) => n > 1).map(([u]) => u);
    const oversoldSeats = twice.filter((u) => u < 20_000).length + Math.max(0, seatWon - dbc.seats) + Math.abs(dbc.seats_held - seatWon);
    const gaOversold = twice.filter((u) => u >= 20_000).length + Math.max(0, gaWon - dbc.ga) + Math.abs(dbc.ga_held - gaWon);

    for (const s of servers) s.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    if (!KEEP_DB) await admin(`drop database if exists "${BENCH_DB}" with (force)`);
    else log(`kept ${BENCH_DB} (event ${eventId})`);

    // ---- pgbench baseline, second half ---------------------------------------------------------------------------------
    const tpsAfter = pgbench('after the load');
    const tps = (tpsBefore + tpsAfter) / 2;

    lat.sort((a, b) => a - b);
    const reservationsPerS = ok / elapsedS;
    const result = {
      instances: INSTANCES,
      clients: CLIENTS,
      driver: DRIVER,
      duration_s: +elapsedS.toFixed(2),
      requests: ok + refused + errors,
      reservations: ok,
      refused,
      errors,
      reservations_per_s: +reservationsPerS.toFixed(1),
      requests_per_s: +((ok + refused) / elapsedS).toFixed(1),
      places_held: seatWon + gaWon,
      seats_held: seatWon,
      ga_held: gaWon,
      sold_out: seatWon === 20_000 && gaWon === 50_000,
      p50_ms: +percentile(lat, 50).toFixed(2),
      p99_ms: +percentile(lat, 99).toFixed(2),
      // the same without the requests of the first WARM_S seconds, when the freshly started API still runs unoptimised
      // code and opens and prepares its hold connections (slow requests cluster there)
      p99_after_2s_ms: +percentile(latWarm.sort((a, b) => a - b), 99).toFixed(2),
      oversold_seats: oversoldSeats,
      ga_oversold: gaOversold,
      hold_mismatches: hm.n,
      // reservations/s while seats were still on sale (all three kinds) and afterwards (GA only)
      mixed_phase_per_s: seatsGoneAt === null ? null : +(okWhenSeatsGone / ((seatsGoneAt - started) / 1000)).toFixed(1),
      ga_only_phase_per_s: seatsGoneAt === null ? null : +((ok - okWhenSeatsGone) / Math.max(0.001, elapsedS - (seatsGoneAt - started) / 1000)).toFixed(1),
      pgbench_tps: +tps.toFixed(1),
      pgbench_tps_before: +tpsBefore.toFixed(1),
      pgbench_tps_after: +tpsAfter.toFixed(1),
      ratio: +(tps ? reservationsPerS / tps : 0).toFixed(3),
      server_cpu_ms_per_request: +(serverCpuMs / Math.max(1, ok + refused)).toFixed(3),
      db_cpu_ms_per_request: +(dbCpuMs / Math.max(1, ok + refused)).toFixed(3),
      // WAL written by the whole server during the load (other databases are idle then): the write cost, not timing-dependent
      wal_bytes_per_reservation: Math.round(walBytes / Math.max(1, ok)),
      driver_cpu_ms_per_request: +((driverCpu.user + driverCpu.system) / 1000 / Math.max(1, ok + refused)).toFixed(3),
      floor_requests_per_s: +(floorRequests / floorS).toFixed(1),
      floor_server_cpu_ms_per_request: +(floorCpuMs / Math.max(1, floorRequests)).toFixed(3),
      load_average_1m: +require('node:os').loadavg()[0].toFixed(2),
      // the warm-up event (half the size, sold out by the same clients on the fresh instance), null with --warmup 0
      warmup_reservations_per_s: warmup?.reservations_per_s ?? null,
      warmup_server_cpu_ms_per_request: warmup?.server_cpu_ms_per_request ?? null,
      plan_upload_ms: planUploadMs,
      event_create_ms: eventCreateMs,
    };
    const rows: [string, string][] = [
      ['API instances / clients', `${INSTANCES} / ${CLIENTS} (${DRIVER} HTTPS client)`],
      ['duration', `${result.duration_s} s`],
      ['successful reservations', `${ok} (${result.reservations_per_s}/s)`],
      ['refused (409/422, nothing written)', `${refused}`],
      ['errors (5xx / network)', `${errors}${errorKinds.size ? ` (${[...errorKinds].map(([k, n]) => `${k}: ${n}`).join('; ')})` : ''}`],
      ...(['seats', 'best', 'ga'] as const).map((k): [string, string] => {
        const l = perKind[k].lat.sort((a, b) => a - b);
        return [`  ${k} ok/refused, p50/p99`, `${perKind[k].ok}/${perKind[k].refused}, ${percentile(l, 50).toFixed(1)}/${percentile(l, 99).toFixed(1)} ms`];
      }),
      ['places held (seats + GA)', `${seatWon} / 20000 + ${gaWon} / 50000`],
      ['reservations/s while seats were on sale / GA only after', `${result.mixed_phase_per_s ?? '-'} / ${result.ga_only_phase_per_s ?? '-'}`],
      ['latency p50 / p99 (p99 without the first 2 s)', `${result.p50_ms} ms / ${result.p99_ms} ms (${result.p99_after_2s_ms} ms)`],
      ['oversold seats / GA', `${oversoldSeats} / ${gaOversold}`],
      ['CPU ms per request: API / PostgreSQL / load driver', `${result.server_cpu_ms_per_request} / ${result.db_cpu_ms_per_request} / ${result.driver_cpu_ms_per_request}`],
      ['floor: GET /health/live req/s, API CPU ms/request', `${result.floor_requests_per_s}, ${result.floor_server_cpu_ms_per_request}`],
      ['machine load average (1 min, other jobs included)', `${result.load_average_1m}`],
      ['warm-up event (fresh instance): reservations/s, API CPU ms/request', warmup ? `${warmup.reservations_per_s}, ${warmup.server_cpu_ms_per_request}` : 'skipped (--warmup 0)'],
      ['pgbench -N -c 32 -j 2 TPS: before / after the load, mean', `${result.pgbench_tps_before} / ${result.pgbench_tps_after}, ${result.pgbench_tps}`],
      ['ratio reservations/s ÷ pgbench TPS', `${result.ratio}`],
      ['20k-seat plan upload / event creation', `${planUploadMs} ms / ${eventCreateMs} ms`],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n'));
    console.log(JSON.stringify(result));
  } finally {
    for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
    if (!KEEP_DB) await admin(`drop database if exists "${BENCH_DB}" with (force)`).catch(() => undefined);
    await admin(`drop database if exists "${PGBENCH_DB}" with (force)`).catch(() => undefined);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
