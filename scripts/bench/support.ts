import path from 'node:path';
import { Client } from 'pg';

/** What every `npm run bench:*` script shares: CLI numbers, the run id, the scratch databases, the bench admin. */
export const BENCH_ARGS = process.argv.slice(2);

/** `--name <number>` from the command line, else `def`. */
export const numberArg = (name: string, def: number): number => {
  const i = BENCH_ARGS.indexOf(`--${name}`);
  return i >= 0 ? Number(BENCH_ARGS[i + 1]) : def;
};

export const ROOT = path.resolve(__dirname, '..', '..');
/** Unique per bench process: names its scratch databases and Redis prefixes. */
export const RUN = `${Date.now().toString(36)}_${process.pid}`;
/** Maintenance connection used to create and drop the scratch databases. */
export const PG_BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_ADMIN = { email: 'bench-admin@proticket.local', password: 'bench-admin-password-0123' };

/** The URL of database `name` on the bench's PostgreSQL server. */
export const dbUrl = (name: string): string => {
  const u = new URL(PG_BASE);
  u.pathname = `/${name}`;
  return u.toString();
};

/** Runs one statement (CREATE/DROP DATABASE …) on the maintenance connection. */
export async function adminSql(sql: string): Promise<void> {
  const c = new Client({ connectionString: PG_BASE });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
