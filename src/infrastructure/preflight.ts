import { Client } from 'pg';
import Redis from 'ioredis';
import { AppConfig } from '../../config/configuration';
import { redisOptions } from './redis/redis.module';

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Checks PostgreSQL and Redis before start-up so that an unreachable dependency ends in one clear sentence, not a
 * stack trace. Returns the problems found (empty when both answer).
 */
export async function preflight(config: AppConfig): Promise<string[]> {
  const problems: string[] = [];
  const pg = new Client({ connectionString: config.DATABASE_URL, connectionTimeoutMillis: 3000 });
  pg.on('error', () => undefined);
  try {
    await pg.connect();
    await pg.query('select 1');
  } catch (e) {
    if ((e as { code?: string }).code === '3D000') {
      problems.push(`the database in ${redact(config.DATABASE_URL)} does not exist yet: run \`npm run migrate\` first.`);
    } else problems.push(
      `PostgreSQL is not reachable at ${redact(config.DATABASE_URL)} (${(e as Error).message}). ` +
        'Start it (e.g. `docker compose up -d postgres`) or set DATABASE_URL.',
    );
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(redisOptions(config, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 }));
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    problems.push(
      `Redis is not reachable at ${redact(config.REDIS_URL)} (${(e as Error).message || 'connection refused'}). ` +
        'Start it (e.g. `docker compose up -d redis`) or set REDIS_URL.',
    );
  } finally {
    redis.disconnect();
  }
  return problems;
}
