import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { BackupIntegrityError, ensureDevKeyPair, readHeader } from '../../src/infrastructure/operations/backup-crypto';
import { BackupEngine, BackupResult } from '../../src/infrastructure/operations/backup-engine';
import { backupObjectKey, manifestObjectKey, StoredManifest } from '../../src/infrastructure/operations/backup-types';
import { withDatabase } from '../../src/infrastructure/operations/pg-tools';
import { restoreBackup } from '../../src/infrastructure/operations/restore';
import { BackupStorage } from '../../src/infrastructure/operations/storage/backup-storage';
import { FsBackupStorage } from '../../src/infrastructure/operations/storage/fs-backup-storage';
import { S3BackupStorage } from '../../src/infrastructure/operations/storage/s3-backup-storage';
import { uniq } from '../support/app-harness';

/**
 * Must show: tampering with a backup file's bytes is detected BEFORE anything is restored, and a backup cannot be
 * read without the private key. Also: a failing storage is retried and alerted and does not block the other one.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-crypto-'));
const keyDir = path.resolve('var/backup-keys-test');
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
let storage: FsBackupStorage;
let backup: BackupResult;
let keys: { publicKeyFile: string; privateKeyFile: string };
const privateKey = () => createPrivateKey(fs.readFileSync(keys.privateKeyFile, 'utf8'));

async function databaseExists(url: string): Promise<boolean> {
  const c = new Client({ connectionString: withDatabase(url, 'postgres') });
  await c.connect();
  try {
    const r = await c.query('select 1 from pg_database where datname = $1', [new URL(url).pathname.slice(1)]);
    return r.rowCount === 1;
  } finally {
    await c.end();
  }
}

/** A copy of the good backup in a fresh storage, with `mutate` applied to the encrypted bytes / manifest. */
async function tamperedCopy(mutate: (bytes: Buffer, manifest: StoredManifest) => void): Promise<FsBackupStorage> {
  const s = new FsBackupStorage(path.join(work, `tampered-${uniq()}`));
  const bytes = await storage.getBytes(backupObjectKey(backup.id));
  const manifest = JSON.parse((await storage.getBytes(manifestObjectKey(backup.id))).toString()) as StoredManifest;
  mutate(bytes, manifest);
  await s.putBytes(backupObjectKey(backup.id), bytes);
  await s.putBytes(manifestObjectKey(backup.id), Buffer.from(JSON.stringify(manifest)));
  return s;
}

const target = () => withDatabase(process.env.DATABASE_URL!, `pt_restore_refused_${uniq()}`);

beforeAll(async () => {
  keys = await ensureDevKeyPair(keyDir);
  storage = new FsBackupStorage(path.join(work, 'good'));
  const engine = new BackupEngine({
    databaseUrl: process.env.DATABASE_URL!,
    storages: [storage],
    publicKey: createPublicKey(fs.readFileSync(keys.publicKeyFile, 'utf8')),
    workDir: path.join(work, 'tmp'),
    uploadAttempts: 1,
    uploadRetryMs: 10,
    log: quiet,
  });
  backup = await engine.createBackup('short');
}, 60_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('backup encryption and tamper detection', () => {
  it('the stored file reveals nothing without the private key: no SQL/table names, high entropy, key wrapped with RSA-OAEP', async () => {
    const bytes = await storage.getBytes(backupObjectKey(backup.id));
    const { header, prefix } = await readHeader(path.join(storage.location, ...backupObjectKey(backup.id).split('/')));
    const body = bytes.subarray(prefix.length);
    // The plain dump would contain these; the ciphertext must not.
    for (const s of ['mikro_orm_migrations', 'CREATE TABLE', 'PGDMP', 'security']) expect(body.includes(Buffer.from(s))).toBe(false);
    expect(header.cipher).toBe('aes-256-gcm');
    expect(header.keyWrap).toBe('rsa-oaep-sha256');
    expect(Buffer.from(header.wrappedKey, 'base64').length).toBe(512); // RSA-4096
    expect(header.manifest.rowCounts['public.mikro_orm_migrations']).toBeGreaterThan(0);
    expect(header.manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cannot be restored with another private key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey;
    const url = target();
    await expect(restoreBackup({ backupId: backup.id, targetUrl: url, storages: [storage], privateKey: other, workDir: work, log: quiet })).rejects.toThrow(
      /not for the given private key/,
    );
    expect(await databaseExists(url)).toBe(false);
  });

  it.each([
    ['one flipped ciphertext byte (manifest SHA-256 untouched)', (b: Buffer) => (b[b.length - 1000] ^= 0x01), /SHA-256/],
    [
      'one flipped ciphertext byte with the manifest SHA-256 forged to match',
      (b: Buffer, m: StoredManifest) => {
        b[b.length - 1000] ^= 0x01;
        m.encryptedSha256 = require('node:crypto').createHash('sha256').update(b).digest('hex');
      },
      /authentication failed/,
    ],
    [
      'row counts in the encrypted header changed (forged SHA-256)',
      (b: Buffer, m: StoredManifest) => {
        const i = b.indexOf(Buffer.from('"public.mikro_orm_migrations":'));
        const at = i + '"public.mikro_orm_migrations":'.length;
        b[at] = b[at] === 0x39 ? 0x38 : b[at] + 1; // change the first digit
        m.encryptedSha256 = require('node:crypto').createHash('sha256').update(b).digest('hex');
      },
      /authentication failed/,
    ],
    ['the GCM tag changed', (b: Buffer, m: StoredManifest) => {
      b[b.length - 1] ^= 0x80;
      m.encryptedSha256 = require('node:crypto').createHash('sha256').update(b).digest('hex');
    }, /authentication failed/],
    ['the last 20 bytes zeroed', (b: Buffer, m: StoredManifest) => {
      b.fill(0, b.length - 20);
      m.encryptedSha256 = require('node:crypto').createHash('sha256').update(b).digest('hex');
    }, /authentication failed/],
  ])('detects %s before restoring anything', async (_name, mutate, message) => {
    const s = await tamperedCopy(mutate as (b: Buffer, m: StoredManifest) => void);
    const url = target();
    const p = restoreBackup({ backupId: backup.id, targetUrl: url, storages: [s], privateKey: privateKey(), workDir: work, log: quiet });
    await expect(p).rejects.toBeInstanceOf(BackupIntegrityError);
    await expect(p).rejects.toThrow(message);
    expect(await databaseExists(url)).toBe(false); // nothing was restored, not even an empty database created
    expect(fs.readdirSync(work).filter((f) => f.endsWith('.dump'))).toEqual([]); // no decrypted leftovers
  });

  it('falls back to the untampered copy in the next storage', async () => {
    const bad = await tamperedCopy((b) => (b[b.length - 500] ^= 0xff));
    const url = target();
    const warnings: string[] = [];
    try {
      const r = await restoreBackup({
        backupId: backup.id,
        targetUrl: url,
        storages: [bad, storage],
        privateKey: privateKey(),
        workDir: work,
        log: { ...quiet, warn: (m) => warnings.push(m) },
      });
      expect(r.storage).toBe('fs');
      expect(r.rowCountsMatch).toBe(true);
      expect(warnings.join('\n')).toMatch(/unusable/);
    } finally {
      const { dropDatabase } = await import('../../src/infrastructure/operations/pg-tools');
      await dropDatabase(url);
    }
  }, 60_000);
});

describe('storage failures', () => {
  it('a failing storage is retried and alerted, and does not block the other storage', async () => {
    const failing: BackupStorage = new S3BackupStorage({
      endpoint: 'http://127.0.0.1:1', // nothing listens on port 1
      region: 'us-east-1',
      bucket: 'unreachable-bucket',
      prefix: '',
      accessKeyId: 'x',
      secretAccessKey: 'y',
      forcePathStyle: true,
    });
    const good = new FsBackupStorage(path.join(work, 'second'));
    const alerts: string[] = [];
    const errors: string[] = [];
    const engine = new BackupEngine({
      databaseUrl: process.env.DATABASE_URL!,
      storages: [failing, good],
      publicKey: createPublicKey(fs.readFileSync(keys.publicKeyFile, 'utf8')),
      workDir: path.join(work, 'tmp2'),
      uploadAttempts: 3,
      uploadRetryMs: 20,
      log: { ...quiet, error: (m) => errors.push(m) },
      onCopyFailed: (s) => alerts.push(s),
    });
    const r = await engine.createBackup('daily');
    expect(r.copies).toEqual([
      expect.objectContaining({ storage: 's3', ok: false, attempts: 3 }),
      expect.objectContaining({ storage: 'fs', ok: true, attempts: 1 }),
    ]);
    expect(alerts).toEqual(['s3']);
    expect(errors.join('\n')).toMatch(/ALERT backup .* could NOT be stored in s3/);
    const listed = await BackupEngine.listBackups(good);
    expect(listed.map((b) => [b.id, b.complete])).toEqual([[r.id, true]]);
    (failing as S3BackupStorage).destroy();
  }, 60_000);
});
