import 'reflect-metadata';
import 'dotenv/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ConfigError, loadConfig } from '../config/configuration';
import { mikroOrmOptions } from '../src/infrastructure/database/mikro-orm.config';

/** `npm run migrate`: creates the database if missing, then applies pending migrations (all or nothing). */
export async function migrate(databaseUrl: string, log: (s: string) => void = console.log): Promise<string[]> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      await c.query(`create database "${name.replace(/"/g, '""')}"`);
      log(`created database ${name}`);
    }
  } finally {
    await c.end();
  }
  const orm = await MikroORM.init(mikroOrmOptions({ DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: 2 }));
  try {
    const applied = await orm.getMigrator().up();
    for (const m of applied) log(`applied ${m.name}`);
    if (!applied.length) log('database is up to date');
    return applied.map((m) => m.name);
  } finally {
    await orm.close(true);
  }
}

if (require.main === module) {
  (async () => {
    const config = loadConfig();
    await migrate(config.DATABASE_URL).catch((e: Error & { code?: string }) => {
      if (/ECONNREFUSED|ETIMEDOUT|ENOTFOUND|timeout/i.test(`${e.code} ${e.message}`)) {
        throw new Error(`PostgreSQL is not reachable for ${config.DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (${e.message}). Start it (e.g. \`docker compose up -d postgres\`) or set DATABASE_URL.`);
      }
      throw e;
    });
  })().catch((e: unknown) => {
    console.error(e instanceof ConfigError ? e.message : `migration failed: ${(e as Error).message}`);
    process.exit(1);
  });
}
