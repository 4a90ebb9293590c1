import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { TEST_ADMIN, uniq } from '../../support/app-harness';
import { eventually, runTs, spawnTs } from './support/processes';

// Generous for a loaded machine (app boot, migrations, child processes through ts-node); a passing run is far faster.
jest.setTimeout(180_000);

/**
 * The real entry points as processes: `src/main.ts` (what `npm start` runs) refuses a wrong configuration with a
 * message naming the setting, and on SIGTERM drains (not ready), finishes in-flight requests, closes and exits 0.
 */
const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$/m;

/** Settings every spawned process gets; `.env` is loaded by main.ts too, but never overrides what is set here. */
const base = () => ({
  DATABASE_URL: process.env.DATABASE_URL!,
  REDIS_URL: process.env.REDIS_URL!,
  REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}-proc-${uniq()}`,
  TLS_DEV_DIR: process.env.TLS_DEV_DIR!,
  HTTP_HOST: '127.0.0.1',
  HTTP_PORT: '0',
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  WORKERS_IN_PROCESS: 'false',
  BOOTSTRAP_ADMIN_EMAIL: TEST_ADMIN.email,
  BOOTSTRAP_ADMIN_PASSWORD: TEST_ADMIN.password,
  SHUTDOWN_DRAIN_MS: '0',
});

describe('configuration is validated at start-up (src/main.ts, src/worker.ts)', () => {
  // Each process loads the whole app through ts-node: start them all at once.
  let wrong: ReturnType<typeof runTs>;
  let unreachable: ReturnType<typeof runTs>;
  let worker: ReturnType<typeof runTs>;
  beforeAll(() => {
    wrong = runTs('src/main.ts', { ...base(), DATABASE_URL: 'mysql://db/proticket', HTTP_PORT: '99999', NODE_ENV: 'production', BOOTSTRAP_ADMIN_PASSWORD: '' }, [], 180_000);
    unreachable = runTs('src/main.ts', { ...base(), DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/proticket', REDIS_URL: 'redis://127.0.0.1:1' }, [], 180_000);
    worker = runTs('src/worker.ts', { ...base(), REDIS_URL: 'http://127.0.0.1:6379' }, [], 180_000);
  });

  it('wrongAndMissingSettings_stopStartUp_namingEachOne', async () => {
    const r = await wrong;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ProTicket cannot start. Invalid configuration');
    expect(r.stderr).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(r.stderr).toMatch(/HTTP_PORT: /);
    expect(r.stderr).toMatch(/TLS_CERT_FILE: required in production/);
    expect(r.stderr).toMatch(/BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD go together/);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).not.toContain('listening');
  }, 200_000);

  it('unreachablePostgresAndRedis_stopStartUp_withAClearMessage', async () => {
    const r = await unreachable;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PostgreSQL is not reachable at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/proticket/);
    expect(r.stderr).toMatch(/Redis is not reachable at redis:\/\/127\.0\.0\.1:1/);
    expect(r.stderr).not.toContain('secret');
    expect(r.stderr).not.toMatch(STACK_LINE);
  }, 200_000);

  it('worker_wrongSetting_stopsStartUp_namingIt', async () => {
    const r = await worker;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ProTicket worker cannot start\. Invalid configuration/);
    expect(r.stderr).toMatch(/REDIS_URL: must be a redis:\/\/ URL/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  }, 200_000);
});

describe('graceful shutdown of the API process', () => {
  it('sigterm_reportsNotReady_finishesInFlightRequests_closesListener_exits0', async () => {
    const ca = readFileSync(path.join(process.env.TLS_DEV_DIR!, 'dev-ca.crt'), 'utf8');
    const server = spawnTs('src/main.ts', { ...base(), SHUTDOWN_DRAIN_MS: '4000', LOG_LEVEL: 'info' });
    const agent = new Agent({ connect: { ca, servername: 'localhost' }, pipelining: 0 });
    try {
      const port = Number((await server.waitFor(/listening on https:\/\/localhost:(\d+)/, 150_000))[1]);
      const ready = async () => {
        const r = await request(`https://127.0.0.1:${port}/health/ready`, { dispatcher: agent, reset: true });
        return { status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> };
      };
      // just started on a busy machine: allow a slow first readiness answer
      await eventually(async () => (await ready()).status === 200, 30_000, 200);

      // An in-flight request: headers and half of the body sent before SIGTERM, the rest after it.
      const body = JSON.stringify({ email: TEST_ADMIN.email, password: TEST_ADMIN.password });
      const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
      await once(socket, 'secureConnect');
      let response = '';
      socket.setEncoding('utf8').on('data', (d: string) => (response += d));
      socket.write(
        `POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
          body.slice(0, 10),
      );
      await new Promise((r) => setTimeout(r, 200));

      server.child.kill('SIGTERM');

      // Draining: still answering, but not ready, so the load balancer takes the instance out.
      const draining = await eventually(async () => {
        const r = await ready();
        return r.status === 503 ? r : undefined;
      }, 15_000, 25);
      expect(draining!.body).toMatchObject({ code: 'HEALTH.NOT_READY', checks: { accepting: { status: 'down', message: 'shutting down' } } });

      // The in-flight request completes normally.
      socket.write(body.slice(10));
      await eventually(async () => /\r\n\r\n\{.*\}$/s.test(response), 30_000);
      expect(response).toMatch(/^HTTP\/1\.1 200 /);
      expect(response).toMatch(/"token":"pts_/);

      // Then the listener closes and the process ends cleanly.
      const exit = await server.exitWithin(60_000);
      expect(exit).not.toBe('timeout');
      expect(exit).toMatchObject({ code: 0, signal: null });
      await expect(request(`https://127.0.0.1:${port}/health/live`, { dispatcher: agent, reset: true })).rejects.toThrow(/ECONNREFUSED|other side closed|socket/i);
      socket.destroy();
    } catch (e) {
      // the server's own account of what happened
      (e as Error).message += `\n--- server stdout:\n${server.stdout.slice(-3000)}\n--- server stderr:\n${server.stderr.slice(-3000)}`;
      throw e;
    } finally {
      server.kill('SIGKILL');
      await agent.close();
    }
  }, 300_000);
});

