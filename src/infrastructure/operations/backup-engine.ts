import { KeyObject, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { encryptFile, hashFile, keyFingerprint } from './backup-crypto';
import { BackupManifest, BackupTier, backupObjectKey, MANIFEST_SUFFIX, manifestObjectKey, newBackupId, StoredManifest } from './backup-types';
import { dumpDatabase } from './pg-tools';
import { RetentionEntry, RetentionPolicy, selectForPruning } from './retention';
import { BackupStorage } from './storage/backup-storage';

export interface EngineLog {
  log(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface CopyResult {
  storage: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

export interface BackupResult {
  id: string;
  tier: BackupTier;
  manifest: StoredManifest;
  copies: CopyResult[];
  durationMs: number;
}

export interface BackupEngineOptions {
  databaseUrl: string;
  storages: BackupStorage[];
  publicKey: KeyObject;
  workDir: string;
  uploadAttempts: number;
  uploadRetryMs: number;
  log: EngineLog;
  /** Called after each failed upload attempt that will not be retried (alert hook: metric + log). */
  onCopyFailed?: (storage: string, error: Error) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Makes backups (framework-free, used by the Nest service and by tests): pg_dump of the whole database from one
 * snapshot, manifest, envelope encryption, and an upload to every storage. Each storage is tried independently with
 * exponential back-off, so a failing storage never blocks the others. The encrypted file is written before its
 * manifest, so a listed backup (one with a manifest) is always complete.
 */
export class BackupEngine {
  constructor(private readonly o: BackupEngineOptions) {}

  get storages(): BackupStorage[] {
    return this.o.storages;
  }

  async createBackup(tier: BackupTier, at = new Date()): Promise<BackupResult> {
    const started = Date.now();
    const id = newBackupId(tier, at, randomBytes(4).toString('hex'));
    await fs.mkdir(this.o.workDir, { recursive: true, mode: 0o700 });
    const dumpFile = path.join(this.o.workDir, `${id}.dump`);
    const encFile = path.join(this.o.workDir, `${id}.ptbk`);
    try {
      const snap = await dumpDatabase(this.o.databaseUrl, dumpFile);
      const plain = await hashFile(dumpFile);
      const manifest: BackupManifest = {
        format: 1,
        id,
        tier,
        snapshotAt: snap.snapshotAt.toISOString(),
        dumpFormat: 'pg_dump-custom',
        size: plain.size,
        sha256: plain.sha256,
        serverVersion: snap.serverVersion,
        pgDumpVersion: snap.pgDumpVersion,
        database: snap.database,
        migration: snap.migration,
        rowCounts: snap.rowCounts,
        keyFingerprint: keyFingerprint(this.o.publicKey),
      };
      await encryptFile(dumpFile, encFile, this.o.publicKey, manifest);
      await fs.rm(dumpFile, { force: true }); // the plain dump never stays on disk longer than needed
      const enc = await hashFile(encFile);
      const stored: StoredManifest = { ...manifest, encryptedSize: enc.size, encryptedSha256: enc.sha256 };
      const manifestBytes = Buffer.from(JSON.stringify(stored, null, 2));
      const copies = await Promise.all(this.o.storages.map((s) => this.upload(s, id, encFile, manifestBytes)));
      return { id, tier, manifest: stored, copies, durationMs: Date.now() - started };
    } finally {
      await fs.rm(dumpFile, { force: true });
      await fs.rm(encFile, { force: true });
    }
  }

  private async upload(storage: BackupStorage, id: string, encFile: string, manifest: Buffer): Promise<CopyResult> {
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.o.uploadAttempts; attempt++) {
      try {
        await storage.putFile(backupObjectKey(id), encFile);
        await storage.putBytes(manifestObjectKey(id), manifest);
        if (attempt > 1) this.o.log.log(`backup ${id} stored in ${storage.name} after ${attempt} attempts`);
        return { storage: storage.name, ok: true, attempts: attempt };
      } catch (e) {
        lastError = e as Error;
        this.o.log.warn(`backup ${id}: upload to ${storage.name} failed (attempt ${attempt}/${this.o.uploadAttempts}): ${lastError.message}`);
        if (attempt < this.o.uploadAttempts) await sleep(this.o.uploadRetryMs * 2 ** (attempt - 1));
      }
    }
    this.o.log.error(`ALERT backup ${id} could NOT be stored in ${storage.name} (${storage.location}): ${lastError?.message}`);
    this.o.onCopyFailed?.(storage.name, lastError!);
    return { storage: storage.name, ok: false, attempts: this.o.uploadAttempts, error: lastError?.message };
  }

  /** The backups a storage holds (those with a manifest), newest first, with completeness. */
  static async listBackups(storage: BackupStorage): Promise<{ id: string; manifest: StoredManifest | null; complete: boolean; orphan: boolean }[]> {
    const objects = await storage.list('backups/');
    const blobs = new Map(objects.filter((o) => o.key.endsWith('.ptbk')).map((o) => [o.key.slice('backups/'.length, -'.ptbk'.length), o.size]));
    const manifests = objects.filter((o) => o.key.endsWith(MANIFEST_SUFFIX)).map((o) => o.key.slice('backups/'.length, -MANIFEST_SUFFIX.length));
    const out: { id: string; manifest: StoredManifest | null; complete: boolean; orphan: boolean }[] = [];
    for (const id of manifests) {
      let manifest: StoredManifest | null = null;
      try {
        manifest = JSON.parse((await storage.getBytes(manifestObjectKey(id))).toString('utf8')) as StoredManifest;
      } catch {
        manifest = null;
      }
      out.push({ id, manifest, complete: !!manifest && blobs.get(id) === manifest.encryptedSize, orphan: false });
      blobs.delete(id);
    }
    for (const id of blobs.keys()) out.push({ id, manifest: null, complete: false, orphan: true });
    return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  /** GFS pruning of one storage; returns the deleted ids. Manifest first (the backup disappears from listings). */
  static async prune(storage: BackupStorage, keep: RetentionPolicy): Promise<string[]> {
    const listed = await BackupEngine.listBackups(storage);
    const entries: RetentionEntry[] = listed
      .map((b) => ({ id: b.id, tier: (b.id.split('-')[1] ?? '') as RetentionEntry['tier'], complete: b.complete }))
      .filter((e) => ['short', 'daily', 'weekly', 'monthly'].includes(e.tier));
    const doomed = selectForPruning(entries, keep);
    for (const id of doomed) {
      await storage.delete(manifestObjectKey(id));
      await storage.delete(backupObjectKey(id));
    }
    return doomed;
  }
}
