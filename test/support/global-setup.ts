import 'reflect-metadata';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';

/**
 * One fresh database and one Redis key prefix per test run, so runs never see each other's data. The database is
 * migrated once with the real migrations; workers read the settings from the environment set here.
 */
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}_${process.pid}`;
  const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = new URL(base);
  url.pathname = `/proticket_test_${run}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: url.toString(),
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `pt-test-${run}`,
    TLS_DEV_DIR: path.resolve('var/tls-test'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_DRAIN_MS: '0',
    OUTBOX_POLL_MS: '50',
    // every suite calls from 127.0.0.1: the public rate limit stays on (plugin, Redis) but far above any suite's pace;
    // test/e2e/foundation/rate-limit.e2e.test.ts checks the limit itself with a low one
    RATE_LIMIT_PUBLIC_WRITES_PER_MIN: process.env.RATE_LIMIT_PUBLIC_WRITES_PER_MIN ?? '1000000',
  };
  // In a child process: MikroORM.init inside jest's global setup poisons the workers' metadata (mikro-orm#3783).
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migrate.ts'], {
    env: { ...process.env, DATABASE_URL: env.DATABASE_URL },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // A copy of the freshly migrated database, untouched by tests: createIsolatedDatabase() clones it in ~0.1 s instead
  // of migrating a new database in a child process. (Nobody is connected to the run's database at this point.)
  const template = `${url.pathname.slice(1)}_template`;
  const admin = new URL(url.toString());
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(`create database "${template}" template "${url.pathname.slice(1)}"`);
    Object.assign(env, { TEST_TEMPLATE_DATABASE: template });
  } catch {
    /* createIsolatedDatabase() falls back to migrating */
  } finally {
    await c.end();
  }
  // Jest starts its workers after global setup, so they inherit these (and teardown runs in this process).
  Object.assign(process.env, env, { PROTICKET_TEST_RUN: run });
}
