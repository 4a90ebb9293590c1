import { eventually } from '../e2e/foundation/support/processes';
import { createIsolatedDatabase, TestApp, uniq } from '../support/app-harness';
import { TcpProxy } from './support/tcp-proxy';

/**
 * Must show: PostgreSQL stopped for 10 seconds → /health/ready turns 503, requests fail with a clear 503 (no hang),
 * and the service recovers by itself when the database returns. The "stop" is a TCP proxy between this app instance
 * and PostgreSQL that the test cuts (connections reset, new ones refused) — the machine's PostgreSQL that other
 * suites use keeps running.
 */
describe('PostgreSQL outage (resilience)', () => {
  let iso: { url: string; drop: () => Promise<void> };
  let proxy: TcpProxy;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    iso = await createIsolatedDatabase();
    const u = new URL(iso.url);
    proxy = await new TcpProxy(u.hostname, Number(u.port || 5432)).start();
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    t = await TestApp.start({ DATABASE_URL: u.toString(), REDIS_KEY_PREFIX: `pt-pgout-${uniq()}`, DATABASE_POOL_MAX: '5' });
    admin = await t.adminToken();
  }, 90_000);

  afterAll(async () => {
    await proxy?.restore().catch(() => undefined);
    await t?.close();
    await proxy?.close();
    await iso?.drop();
  });

  const timed = async <T>(f: () => Promise<T>): Promise<{ r: T; ms: number }> => {
    const s = Date.now();
    const r = await f();
    return { r, ms: Date.now() - s };
  };

  it('turns not-ready and answers 503 quickly while PostgreSQL is down for 10 s, then recovers by itself', async () => {
    expect((await t.get('/health/ready')).status).toBe(200);
    expect((await t.get('/operations/backups?limit=1', admin)).status).toBe(200);

    await proxy.cut();
    const outageStart = Date.now();
    const readiness: number[] = [];
    const requests: { status: number; ms: number; code?: string; type?: string }[] = [];
    while (Date.now() - outageStart < 10_000) {
      const ready = await timed(() => t.get('/health/ready'));
      readiness.push(ready.r.status);
      expect(ready.ms).toBeLessThan(4000);
      const req = await timed(() => t.get('/operations/backups?limit=1', admin));
      requests.push({ status: req.r.status, ms: req.ms, code: req.r.body?.code, type: String(req.r.headers['content-type']) });
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(readiness.length).toBeGreaterThan(3);
    expect(readiness.every((s) => s === 503)).toBe(true);
    // Every request during the outage: a clear 503 problem (not a 500, not a hang).
    for (const r of requests) {
      expect(r.status).toBe(503);
      expect(r.code).toBe('SERVICE.UNAVAILABLE');
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(r.ms).toBeLessThan(6000);
    }

    await proxy.restore();
    const recovered = await timed(() => eventually(async () => (await t.get('/health/ready')).status === 200, 20_000, 200));
    expect(recovered.ms).toBeLessThan(20_000);
    expect((await t.get('/operations/backups?limit=1', admin)).status).toBe(200);
    // Writes work again too (a login writes a session and an audit row).
    expect(await t.adminToken()).toEqual(expect.any(String));
  }, 90_000);
});
