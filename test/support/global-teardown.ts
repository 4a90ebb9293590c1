import Redis from 'ioredis';
import { Client } from 'pg';

/** Drops the run's database and deletes its Redis keys (unless KEEP_TEST_DB=1, for debugging). */
export default async function globalTeardown(): Promise<void> {
  if (process.env.KEEP_TEST_DB === '1') return;
  const env = process.env as Record<string, string>;
  if (!env.PROTICKET_TEST_RUN) return;
  const url = new URL(env.DATABASE_URL);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  await c.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
  // isolated databases of single suites (createIsolatedDatabase) that a failed suite left behind
  const { rows } = await c.query<{ datname: string }>('select datname from pg_database where datname like $1 or datname = $2', [
    `${name}\\_iso\\_%`,
    `${name}_template`,
  ]);
  for (const r of rows) await c.query(`drop database if exists "${r.datname}" with (force)`).catch(() => undefined);
  await c.end();
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect().catch(() => undefined);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_KEY_PREFIX}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}
