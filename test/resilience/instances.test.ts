import https from 'node:https';
import { Client } from 'pg';
import { eventually, RunningProcess, runTs, spawnTs } from '../e2e/foundation/support/processes';
import { dbInvariants, makePlan, Setup, setupEvent } from '../e2e/sales/sales-fixtures';
import { createIsolatedDatabase, TestApp, uniq } from '../support/app-harness';
import { TestLoadBalancer } from './support/load-balancer';

/**
 * Must show, with real API processes (`src/main.ts`, the production entry point) on the run's database:
 * - a rolling restart (SIGTERM one instance, migrate, start it again, then the other) under load through a load
 *   balancer → zero failed requests (shop reads, authenticated reads and Sales GA holds);
 * - two instances under reservation load, `kill -9` one mid-run → zero oversold places, every hold and order the
 *   clients were told succeeded exists, and the dead instance's holds expire normally.
 */
interface Instance {
  name: string;
  proc: RunningProcess;
  port: number;
}

const HOLD_TTL_S = 10;

describe('several API instances (resilience)', () => {
  let t: TestApp;
  let ca: string;
  let sql: Client;
  let iso: { url: string; drop: () => Promise<void> };
  const instances = new Map<string, Instance>();
  const env: Record<string, string> = {
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    WORKERS_IN_PROCESS: 'false',
    BUSINESS_LISTENER_ENABLED: 'false',
    SHUTDOWN_DRAIN_MS: '3000', // ≥ the load balancer's time to take it out (fall 3 × 100 ms + a slow check)
    SALES_HOLD_TTL_ONLINE_S: String(HOLD_TTL_S),
    LOG_LEVEL: 'warn',
  };

  const spawned: RunningProcess[] = [];
  async function startInstance(name: string): Promise<Instance> {
    const proc = spawnTs('src/main.ts', env);
    spawned.push(proc); // killed in afterAll even if it never got ready
    // Generous: a cold ts-node start of the whole app on 2 busy cores can take a minute.
    const m = await proc.waitFor(/listening on https:\/\/localhost:(\d+)/, 180_000).catch(async (e: Error) => {
      const end = await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 100, null))]);
      throw new Error(`instance ${name}: ${e.message} (exit: ${JSON.stringify(end && { code: (end as { code: unknown }).code, signal: (end as { signal: unknown }).signal })})`);
    });
    const inst = { name, proc, port: Number(m[1]) };
    instances.set(name, inst);
    return inst;
  }

  /** One HTTPS request on its own connection (as many browsers behind many NATs would arrive). */
  function call(port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; body: any }>((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          ca,
          servername: 'localhost',
          agent: false,
          timeout: 15_000,
          headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end(data);
    });
  }

  /** The deploy step before starting a (new) instance: apply pending migrations (a no-op when there are none). */
  async function migrate(): Promise<void> {
    const r = await runTs('scripts/migrate.ts', { DATABASE_URL: iso.url }, [], 120_000);
    if (r.code !== 0) throw new Error(`migrate failed: ${r.stderr}`);
  }

  beforeAll(async () => {
    // Own database and Redis prefix: the instances, their holds and the hold sweep see only this test's data.
    iso = await createIsolatedDatabase();
    env.DATABASE_URL = iso.url;
    env.REDIS_KEY_PREFIX = `pt-instances-${uniq()}`;
    t = await TestApp.start({ DATABASE_URL: iso.url, REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX, SALES_HOLD_SWEEP_EVERY_MS: '1000' });
    ca = t.ca;
    sql = new Client({ connectionString: iso.url });
    await sql.connect();
    await Promise.all([startInstance('a'), startInstance('b')]);
  }, 300_000);

  afterAll(async () => {
    for (const p of spawned) p.kill('SIGKILL');
    await sql?.end();
    await t?.close();
    await iso?.drop();
  });

  it('rolling restart (SIGTERM, start again, then the other) under load through a load balancer: zero failed requests', async () => {
    const ev = await setupEvent(t, makePlan({ rows: 2, seats: 10, ga: 20_000 }));
    const lb = await new TestLoadBalancer(ca).start();
    for (const i of instances.values()) lb.add(i.name, i.port);
    await eventually(async () => lb.backends.every((b) => b.healthy), 120_000, 50);

    const t0 = Date.now();
    const marks: [string, number][] = [];
    let running = true;
    const outcomes: { status: number | string; at: number; path: string }[] = [];
    const admin = await t.adminToken();
    // Load: the shop's availability (public, PostgreSQL via the ORM), an authenticated platform-admin read (session
    // check + PostgreSQL) and GA holds (the Sales write path with its own pool, closed only after the drain).
    const client = async (c: number) => {
      let i = c;
      while (running) {
        const at = Date.now();
        const kind = i++ % 3;
        const path = kind === 0 ? `/shop/events/${ev.eventId}/availability` : kind === 1 ? '/operations/backups?limit=1' : `/shop/events/${ev.eventId}/holds/quantity`;
        try {
          const r =
            kind === 2
              ? await call(lb.port, 'POST', path, { areaId: ev.areaId, quantity: 1 }, {})
              : await call(lb.port, 'GET', path, undefined, kind === 1 ? { authorization: `Bearer ${admin}` } : {});
          outcomes.push({ status: r.status, at, path });
          if (r.status >= 500) console.error('DIAG 5xx', JSON.stringify(r.body).slice(0, 600));
        } catch (e) {
          outcomes.push({ status: (e as NodeJS.ErrnoException).code ?? (e as Error).message, at, path });
        }
      }
    };
    const clients = Array.from({ length: 6 }, (_, c) => client(c));

    const restart = async (name: string) => {
      const old = instances.get(name)!;
      marks.push([`sigterm ${name}`, Date.now() - t0]);
      old.proc.kill('SIGTERM');
      const exit = await old.proc.exited;
      marks.push([`exited ${name} ${exit.code}`, Date.now() - t0]);
      expect(exit.code).toBe(0); // drained, finished in-flight requests, closed workers and pools, exit 0
      lb.remove(name);
      await migrate();
      const fresh = await startInstance(name);
      lb.add(name, fresh.port);
      await eventually(async () => lb.backends.every((b) => b.healthy), 120_000, 50);
      marks.push([`started ${name}`, Date.now() - t0]);
    };
    await new Promise((r) => setTimeout(r, 1500));
    await restart('a');
    await restart('b');
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await Promise.all(clients);
    await lb.close();

    const failed = outcomes.filter((o) => o.status !== (o.path.includes('/holds/') ? 201 : 200));
    if (failed.length) console.error('DIAG', JSON.stringify({ marks, failed: failed.map((f) => [f.status, f.at - t0]) }));
    if (failed.length) for (const p of spawned) console.error('DIAG log', p.stdout.split('\n').filter((l) => /"level":(50|60)/.test(l)).slice(0, 3).join('\n').slice(0, 3000));
    expect(outcomes.length).toBeGreaterThan(50);
    expect(failed).toEqual([]);
    expect(lb.refused).toBe(0);
    expect(outcomes.filter((o) => o.path.startsWith('/shop')).length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o.path.startsWith('/operations')).length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o.path.includes('/holds/')).length).toBeGreaterThan(20);
  }, 480_000);

  it('kill -9 of one instance under reservation load: nothing oversold, every confirmed hold/order exists, dead holds expire', async () => {
    const ev: Setup = await setupEvent(t, makePlan({ rows: 10, seats: 20, ga: 300 }));
    const [a, b] = [instances.get('a')!, instances.get('b')!];
    const holds: { id: string; via: string; units: number[]; seatIds: string[] }[] = [];
    const orders: { id: string; holdId: string }[] = [];
    const errors: Record<string, number> = {};
    let bDead = false;
    let running = true;
    let n = 0;
    const client = async (c: number) => {
      while (running) {
        const inst = c % 2 === 1 && !bDead ? b : a;
        const k = n++ % 3;
        const start = (n * 7) % ev.seats.length;
        const req =
          k === 0
            ? { path: `/shop/events/${ev.eventId}/holds/quantity`, body: { areaId: ev.areaId, quantity: 1 + (n % 3) } }
            : { path: `/shop/events/${ev.eventId}/holds/seats`, body: { seatIds: ev.seats.slice(start, start + 1 + (n % 3)).map((s) => s.id) } };
        try {
          const r = await call(inst.port, 'POST', req.path, req.body);
          if (r.status === 201) {
            const h = { id: r.body.holdId, via: inst.name, units: r.body.items.map((i: { unitNo: number }) => i.unitNo), seatIds: r.body.items.map((i: { seatId?: string }) => i.seatId).filter(Boolean) };
            holds.push(h);
            if (n % 4 === 0) {
              const o = await call(inst.port, 'POST', `/shop/holds/${h.id}/order`, { customer: { name: 'Resilience' } }, { 'x-hold-token': r.body.holdToken });
              if (o.status === 201) orders.push({ id: o.body.id ?? o.body.orderId, holdId: h.id });
            }
          } else if (r.status !== 409 && r.status !== 422) errors[`${inst.name}:${r.status}`] = (errors[`${inst.name}:${r.status}`] ?? 0) + 1;
        } catch (e) {
          errors[`${inst.name}:${(e as NodeJS.ErrnoException).code ?? 'error'}`] = (errors[`${inst.name}:${(e as NodeJS.ErrnoException).code ?? 'error'}`] ?? 0) + 1;
          if (inst === b) bDead = true;
        }
      }
    };
    const loadStart = Date.now();
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    await new Promise((r) => setTimeout(r, 3000));
    b.proc.kill('SIGKILL');
    expect((await b.proc.exited).signal).toBe('SIGKILL');
    instances.delete('b');
    await new Promise((r) => setTimeout(r, 3000));
    running = false;
    await Promise.all(clients);
    const loadEnd = Date.now();

    expect(holds.filter((h) => h.via === 'b').length).toBeGreaterThan(0);
    expect(holds.filter((h) => h.via === 'a').length).toBeGreaterThan(0);
    // Only the dead instance's in-flight requests failed (connection reset / refused), nothing on the live one.
    expect(Object.keys(errors).filter((k) => k.startsWith('a:'))).toEqual([]);

    // Zero oversold: no place was confirmed to two clients, and the database agrees.
    const units = holds.flatMap((h) => h.units);
    expect(new Set(units).size).toBe(units.length);
    const inv = await dbInvariants(t, ev.eventId);
    expect(inv).toMatchObject({ holdMismatch: 0, orderMismatch: 0, doubleSold: 0, bad_hold: 0 });

    // Every hold and order the clients were told succeeded exists.
    const dbHolds = await sql.query(`select id, quantity, status from sales.hold where id = any($1::uuid[])`, [holds.map((h) => h.id)]);
    expect(dbHolds.rowCount).toBe(holds.length);
    for (const h of holds) expect(dbHolds.rows.find((r) => r.id === h.id)!.quantity).toBe(h.units.length);
    const dbOrders = await sql.query(`select id, status from sales."order" where id = any($1::uuid[])`, [orders.map((o) => o.id)]);
    expect(dbOrders.rowCount).toBe(orders.length);
    expect(dbOrders.rows.every((o) => o.status === 'pending-payment')).toBe(true);

    // The dead instance's holds (also those whose answer never arrived) expire normally after their TTL.
    const wait = loadStart + HOLD_TTL_S * 1000 + 4000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const ordered = new Set(orders.map((o) => o.holdId));
    const deadline = Date.now() + 20_000;
    let active = -1;
    while (Date.now() < deadline) {
      active = Number(
        (await sql.query(`select count(*) from sales.hold where event_id = $1 and status = 'active' and created_at < to_timestamp($2 / 1000.0)`, [ev.eventId, loadEnd]))
          .rows[0].count,
      );
      if (active === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(active).toBe(0);
    const bHolds = holds.filter((h) => h.via === 'b' && !ordered.has(h.id)).map((h) => h.id);
    const states = await sql.query(`select status, count(*)::int as n from sales.hold where id = any($1::uuid[]) group by status`, [bHolds]);
    expect(states.rows).toEqual([{ status: 'expired', n: bHolds.length }]);
    const stillHeld = await sql.query(`select count(*)::int as n from sales.stock_unit where event_id = $1 and status = 'held'`, [ev.eventId]);
    expect(stillHeld.rows[0].n).toBe(0);
  }, 240_000);
});
