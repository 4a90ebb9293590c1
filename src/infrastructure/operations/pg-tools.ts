import { spawn } from 'node:child_process';
import { Client } from 'pg';

/**
 * PostgreSQL helpers for backups and restores: pg_dump/pg_restore as child processes (never through a shell), the
 * password passed in PGPASSWORD (not on the command line, where `ps` would show it).
 */

export function pgEnv(url: string): { dbArg: string; env: NodeJS.ProcessEnv; database: string } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return {
    dbArg: u.toString(),
    env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}), PGCONNECT_TIMEOUT: '10' },
    database: decodeURIComponent(u.pathname.slice(1)),
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    p.on('error', (e) => reject(new Error(`${cmd} could not be started: ${e.message} (is the PostgreSQL 15 client installed?)`)));
    p.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`${cmd} exited with ${code}: ${stderr.trim()}`))));
  });
}

const qi = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Every ordinary and partitioned table outside the system schemas, as "schema.table". */
export async function listTables(c: Client): Promise<string[]> {
  const r = await c.query<{ t: string }>(
    `select n.nspname || '.' || c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
        and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'
      order by 1`,
  );
  return r.rows.map((x) => x.t);
}

/** Exact row counts per table (in the transaction/snapshot `c` is in). */
export async function countRows(c: Client): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await listTables(c)) {
    const [schema, ...rest] = t.split('.');
    const r = await c.query<{ n: string }>(`select count(*)::bigint as n from ${qi(schema)}.${qi(rest.join('.'))}`);
    out[t] = Number(r.rows[0].n);
  }
  return out;
}

export async function migrationLevel(c: Client): Promise<{ last: string | null; count: number }> {
  const exists = await c.query(`select 1 from pg_tables where schemaname = 'public' and tablename = 'mikro_orm_migrations'`);
  if (!exists.rowCount) return { last: null, count: 0 };
  const r = await c.query<{ name: string | null; n: string }>(
    `select (select name from public.mikro_orm_migrations order by id desc limit 1) as name, (select count(*) from public.mikro_orm_migrations) as n`,
  );
  return { last: r.rows[0].name, count: Number(r.rows[0].n) };
}

export interface SnapshotDump {
  snapshotAt: Date;
  serverVersion: string;
  pgDumpVersion: string;
  database: string;
  migration: { last: string | null; count: number };
  rowCounts: Record<string, number>;
}

/**
 * pg_dump -Fc of the whole database into `outFile`, from one exported snapshot: the row counts and migration level
 * are read in the very snapshot pg_dump dumps, so they describe exactly the data in the file.
 */
export async function dumpDatabase(url: string, outFile: string): Promise<SnapshotDump> {
  const c = new Client({ connectionString: url, application_name: 'proticket-backup', connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    await c.query('begin isolation level repeatable read, read only');
    const snap = await c.query<{ id: string; at: Date; v: string }>(
      `select pg_export_snapshot() as id, clock_timestamp() as at, current_setting('server_version') as v`,
    );
    const { id, at, v } = snap.rows[0];
    const [rowCounts, migration] = [await countRows(c), await migrationLevel(c)];
    const { dbArg, env, database } = pgEnv(url);
    const version = (await run('pg_dump', ['--version'], env)).stdout.trim();
    await run('pg_dump', ['--format=custom', '--compress=6', `--snapshot=${id}`, '--no-password', `--file=${outFile}`, `--dbname=${dbArg}`], env);
    await c.query('commit');
    return { snapshotAt: at, serverVersion: v, pgDumpVersion: version, database, migration, rowCounts };
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function adminClient(url: string): Promise<Client> {
  const c = new Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 10_000 });
  await c.connect();
  return c;
}

/** Creates the target database if it does not exist; refuses one that already has tables (never overwrite data). */
export async function prepareEmptyDatabase(url: string): Promise<{ created: boolean }> {
  const name = pgEnv(url).database;
  const admin = await adminClient(url);
  let created = false;
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!exists.rowCount) {
      await admin.query(`create database ${qi(name)} template template0`);
      created = true;
    }
  } finally {
    await admin.end();
  }
  if (!created) {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const tables = await listTables(c);
      if (tables.length) throw new Error(`target database ${name} is not empty (${tables.length} tables): restore only into an empty or new database`);
    } finally {
      await c.end();
    }
  }
  return { created };
}

export async function dropDatabase(url: string): Promise<void> {
  const name = pgEnv(url).database;
  const admin = await adminClient(url);
  try {
    await admin.query(`drop database if exists ${qi(name)} with (force)`);
  } finally {
    await admin.end();
  }
}

/** pg_restore in one transaction: the target gets the whole backup or nothing. */
export async function restoreDump(dumpFile: string, targetUrl: string): Promise<void> {
  const { dbArg, env } = pgEnv(targetUrl);
  await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--no-password', `--dbname=${dbArg}`, dumpFile], env);
}

export async function countRowsAt(url: string): Promise<Record<string, number>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('begin isolation level repeatable read, read only');
    const counts = await countRows(c);
    await c.query('commit');
    return counts;
  } finally {
    await c.end();
  }
}
