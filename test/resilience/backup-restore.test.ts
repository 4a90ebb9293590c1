import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startS3Server, S3Server } from '../../scripts/services/s3-server';
import { BackupService } from '../../src/infrastructure/operations/backup.service';
import { BackupEngine } from '../../src/infrastructure/operations/backup-engine';
import { RestoreDrillService } from '../../src/infrastructure/operations/restore-drill.service';
import { dropDatabase, withDatabase } from '../../src/infrastructure/operations/pg-tools';
import { createIsolatedDatabase, TestApp, uniq } from '../support/app-harness';

/**
 * Must show: backup → write more data → restore into a new database (with `npm run restore`) → the restored data
 * equals the state at backup time (row counts of every table and a checksum of key tables). The backup goes to both
 * storages (a directory and an S3-compatible server over HTTP); the restore reads the S3 copy. Also: status API,
 * /metrics, restore drill with RTO/RPO and scratch database dropped.
 */
const KEY_TABLES = ['security.organization', 'security."user"', 'security.audit_log'];

async function checksums(url: string): Promise<Record<string, string>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const out: Record<string, string> = {};
    for (const t of KEY_TABLES) {
      const r = await c.query(`select count(*) || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as h from ${t} x`);
      out[t] = r.rows[0].h;
    }
    return out;
  } finally {
    await c.end();
  }
}

describe('backup and restore (resilience)', () => {
  let t: TestApp;
  let iso: { url: string; drop: () => Promise<void> };
  let s3: S3Server;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-backup-'));
  const restored: string[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    iso = await createIsolatedDatabase();
    s3 = await startS3Server();
    env = {
      DATABASE_URL: iso.url,
      REDIS_KEY_PREFIX: `pt-bk-${uniq()}`,
      BACKUP_STORAGES: 'fs,s3',
      BACKUP_FS_DIR: path.join(dir, 'fs'),
      BACKUP_S3_ENDPOINT: s3.endpoint,
      BACKUP_S3_BUCKET: 'proticket-backups',
      BACKUP_S3_ACCESS_KEY_ID: s3.accessKeyId,
      BACKUP_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      BACKUP_DEV_KEY_DIR: path.resolve('var/backup-keys-test'),
      BACKUP_WORK_DIR: path.join(dir, 'work'),
      BACKUP_KEEP_SHORT: '2',
    };
    t = await TestApp.start(env);
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    await s3?.close();
    for (const u of restored) await dropDatabase(u).catch(() => undefined);
    await iso?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('restores exactly the state at backup time, from the S3 copy, with npm run restore', async () => {
    await t.createTenant('organizer', ['organizer-admin']);
    await t.createTenant('presale-office', ['presale-clerk']);
    const atBackup = await checksums(iso.url);

    const backup = await t.app.get(BackupService).run('short');
    expect(backup.copies.map((c) => [c.storage, c.ok])).toEqual([
      ['fs', true],
      ['s3', true],
    ]);
    expect(backup.manifest.rowCounts['security.organization']).toBeGreaterThanOrEqual(3);
    expect(backup.manifest.migration.last).toMatch(/^Migration2026/);

    // More writes after the backup: they must NOT be in the restored database.
    await t.createTenant('organizer', ['organizer-admin']);
    const now = await checksums(iso.url);
    expect(now['security.organization']).not.toEqual(atBackup['security.organization']);

    const target = withDatabase(iso.url, `pt_restored_${uniq()}`);
    restored.push(target);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'scripts/restore.ts', backup.id, '--target', target, '--storage', 's3'],
      { cwd: path.resolve(__dirname, '..', '..'), env: { ...process.env, ...env, LOG_LEVEL: 'silent' } },
    );
    const report = JSON.parse(stdout.split('\n').find((l) => l.startsWith('{'))!);
    expect(report).toMatchObject({ backupId: backup.id, storage: 's3', rowCountsMatch: true, mismatches: [] });
    expect(await checksums(target)).toEqual(atBackup);

    // The same command refuses a tampered copy (one flipped byte in the fs copy) before restoring anything: exit 2.
    const file = path.join(dir, 'fs', 'backups', `${backup.id}.ptbk`);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100] ^= 0x01;
    fs.writeFileSync(file, bytes);
    const refusedTarget = withDatabase(iso.url, `pt_refused_${uniq()}`);
    const refused = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'scripts/restore.ts', backup.id, '--target', refusedTarget, '--storage', 'fs'],
      { cwd: path.resolve(__dirname, '..', '..'), env: { ...process.env, ...env, LOG_LEVEL: 'silent' } },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/restore refused: .*SHA-256/);
    const c = new Client({ connectionString: withDatabase(iso.url, 'postgres') });
    await c.connect();
    const exists = await c.query('select 1 from pg_database where datname = $1', [new URL(refusedTarget).pathname.slice(1)]);
    await c.end();
    expect(exists.rowCount).toBe(0);
  }, 120_000);

  it('reports status per tier and storage in the API and /metrics, and prunes by GFS retention', async () => {
    const svc = t.app.get(BackupService);
    await svc.run('short');
    await svc.run('short');
    const third = await svc.run('short'); // BACKUP_KEEP_SHORT=2: older short backups are pruned from both storages
    for (const s of svc.storages) {
      const listed = await BackupEngine.listBackups(s);
      expect(listed.filter((b) => b.id.includes('-short-')).length).toBe(2);
      expect(listed[0].id).toBe(third.id);
    }
    const admin = await t.adminToken();
    const status = await t.get('/operations/backups/status', admin);
    expect(status.status).toBe(200);
    const short = status.body.tiers.filter((x: { tier: string }) => x.tier === 'short');
    expect(short.map((x: { storage: string; lastBackupId: string; stale: boolean }) => [x.storage, x.lastBackupId, x.stale])).toEqual([
      ['fs', third.id, false],
      ['s3', third.id, false],
    ]);
    expect(status.body.maintenanceWindow).toMatchObject({ start: '02:00', end: '05:00', timeZone: 'Europe/Berlin' });
    const list = await t.get('/operations/backups?limit=5', admin);
    expect(list.status).toBe(200);
    expect(list.body[0]).toMatchObject({ id: third.id, status: 'succeeded' });
    expect(list.body.some((b: { copies: { status: string }[] }) => b.copies.every((c) => c.status === 'pruned'))).toBe(true);

    const metrics = await t.get('/metrics');
    expect(metrics.text).toMatch(/backup_last_success_timestamp_seconds\{tier="short",storage="s3"\} \d{10}/);
    expect(metrics.text).toMatch(/backup_stale\{tier="short",storage="fs"\} 0/);

    // Access: platform-admin only.
    const org = await t.createTenant('organizer', ['organizer-admin']);
    expect((await t.get('/operations/backups/status', org.token)).status).toBe(403);
    expect((await t.get('/operations/backups/status')).status).toBe(401);
    expect((await t.post('/operations/backups', { tier: 'hourly' }, admin)).status).toBe(400);
  }, 120_000);

  it('runs a restore drill: newest backup into a scratch database, checks, records RTO/RPO, drops the scratch database', async () => {
    const r = await t.app.get(RestoreDrillService).run();
    expect(r).toMatchObject({ ok: true, rowCountsMatch: true });
    expect(r.rtoMs).toBeGreaterThan(0);
    expect(r.rpoMs).toBeGreaterThanOrEqual(0);
    const c = new Client({ connectionString: withDatabase(iso.url, 'postgres') });
    await c.connect();
    const scratch = await c.query(`select datname from pg_database where datname like $1`, [`${new URL(iso.url).pathname.slice(1)}_drill_%`]);
    await c.end();
    expect(scratch.rows).toEqual([]);
    const admin = await t.adminToken();
    const status = await t.get('/operations/backups/status', admin);
    expect(status.body.lastDrill).toMatchObject({ id: r.id, ok: true, rowCountsMatch: true });
    expect((await t.get('/metrics')).text).toMatch(/backup_restore_drill_ok 1/);
  }, 120_000);
});
