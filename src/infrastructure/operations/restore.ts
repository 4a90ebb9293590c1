import { KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupIntegrityError, decryptFile, hashFile } from './backup-crypto';
import { BackupEngine, EngineLog } from './backup-engine';
import { backupObjectKey, manifestObjectKey, StoredManifest } from './backup-types';
import { countRowsAt, prepareEmptyDatabase, restoreDump } from './pg-tools';
import { BackupStorage } from './storage/backup-storage';

export interface RestoreOptions {
  backupId: string;
  targetUrl: string;
  storages: BackupStorage[];
  privateKey: KeyObject;
  workDir: string;
  log: EngineLog;
}

export interface RestoreResult {
  backupId: string;
  storage: string;
  manifest: StoredManifest;
  /** Wall time from download to checked rows (the measured RTO of this restore). */
  durationMs: number;
  rowCountsMatch: boolean;
  mismatches: { table: string; expected: number | null; actual: number | null }[];
}

/**
 * Fetches an encrypted backup, proves it untouched BEFORE anything is restored, restores it into an empty target
 * database in one transaction and compares the row counts with the manifest:
 *  1. SHA-256 of the encrypted file = manifest.encryptedSha256;
 *  2. the data key unwraps with the private key (RSA-OAEP-SHA256) and the AES-256-GCM tag verifies over the header
 *     (manifest included) and every ciphertext byte;
 *  3. SHA-256 of the decrypted dump = manifest.sha256;
 *  4. pg_restore --single-transaction --exit-on-error;
 *  5. exact row counts per table = manifest.rowCounts.
 * Storages are tried in order; a copy that fails 1–3 is reported and the next storage's copy is tried.
 */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  await fs.mkdir(o.workDir, { recursive: true, mode: 0o700 });
  const encFile = path.join(o.workDir, `${o.backupId}.restore.ptbk`);
  const dumpFile = path.join(o.workDir, `${o.backupId}.restore.dump`);
  const problems: string[] = [];
  try {
    for (const storage of o.storages) {
      let manifest: StoredManifest;
      try {
        manifest = JSON.parse((await storage.getBytes(manifestObjectKey(o.backupId))).toString('utf8')) as StoredManifest;
        await storage.getFile(backupObjectKey(o.backupId), encFile);
        const enc = await hashFile(encFile);
        if (enc.sha256 !== manifest.encryptedSha256 || enc.size !== manifest.encryptedSize) {
          throw new BackupIntegrityError(`encrypted file SHA-256 ${enc.sha256.slice(0, 16)}… does not match the manifest (${manifest.encryptedSha256.slice(0, 16)}…)`);
        }
        const dec = await decryptFile(encFile, dumpFile, o.privateKey);
        if (dec.sha256 !== manifest.sha256 || dec.header.manifest.sha256 !== manifest.sha256 || dec.header.manifest.id !== o.backupId) {
          throw new BackupIntegrityError('decrypted dump does not match the manifest SHA-256');
        }
        // The authenticated copy of the manifest (inside the GCM-protected header) is the one we trust from here on.
        manifest = { ...dec.header.manifest, encryptedSize: manifest.encryptedSize, encryptedSha256: manifest.encryptedSha256 };
      } catch (e) {
        if ((e as Error).name === 'BackupKeyError') throw e; // another storage's copy has the same key
        problems.push(`${storage.name}: ${(e as Error).message}`);
        o.log.warn(`restore ${o.backupId}: copy in ${storage.name} unusable: ${(e as Error).message}`);
        continue;
      } finally {
        await fs.rm(encFile, { force: true });
      }
      o.log.log(`restore ${o.backupId}: verified (SHA-256 ${manifest.sha256.slice(0, 16)}…, from ${storage.name}); restoring`);
      await prepareEmptyDatabase(o.targetUrl);
      await restoreDump(dumpFile, o.targetUrl);
      const actual = await countRowsAt(o.targetUrl);
      const tables = new Set([...Object.keys(manifest.rowCounts), ...Object.keys(actual)]);
      const mismatches = [...tables]
        .filter((t) => manifest.rowCounts[t] !== actual[t])
        .map((t) => ({ table: t, expected: manifest.rowCounts[t] ?? null, actual: actual[t] ?? null }));
      return {
        backupId: o.backupId,
        storage: storage.name,
        manifest,
        durationMs: Date.now() - started,
        rowCountsMatch: mismatches.length === 0,
        mismatches,
      };
    }
    throw new BackupIntegrityError(`no usable copy of backup ${o.backupId}: ${problems.join('; ') || 'no storage configured'}`);
  } finally {
    await fs.rm(dumpFile, { force: true });
  }
}

/** The newest complete backup across the storages (optionally of one tier). */
export async function newestBackup(storages: BackupStorage[]): Promise<StoredManifest | null> {
  let best: StoredManifest | null = null;
  for (const s of storages) {
    try {
      const list = await BackupEngine.listBackups(s);
      const first = list.find((b) => b.complete && b.manifest);
      if (first?.manifest && (!best || first.id > best.id)) best = first.manifest;
    } catch {
      /* a storage that cannot be listed is skipped; the others may hold a copy */
    }
  }
  return best;
}
