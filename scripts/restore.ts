import 'dotenv/config';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/configuration';
import { loadPrivateKey } from '../src/infrastructure/operations/backup-crypto';
import { BackupEngine } from '../src/infrastructure/operations/backup-engine';
import { newestBackup, restoreBackup } from '../src/infrastructure/operations/restore';
import { createBackupStorages } from '../src/infrastructure/operations/storage/create-storages';

const USAGE = `usage: npm run restore -- <backup-id | latest | list> --target <postgres://…/new_database>
         [--storage fs|s3] [--private-key <pem file>]

Decrypts the backup (RSA-OAEP unwraps the data key, AES-256-GCM authenticates every byte), checks its SHA-256
against the manifest BEFORE restoring, restores it with pg_restore into the target database in one transaction
(created if missing; refused if it already has tables) and compares the row count of every table with the
manifest. Storages come from BACKUP_STORAGES (tried in order; --storage picks one). The private key comes from
--private-key, BACKUP_PRIVATE_KEY_FILE, or the development key in BACKUP_DEV_KEY_DIR.
Exit codes: 0 restored and verified, 1 row counts differ, 2 refused (tampered, wrong key, missing), 64 usage.`;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const id = args[0];
  if (!id || id.startsWith('-') || args.includes('--help')) {
    console.error(USAGE);
    return 64;
  }
  const config = loadConfig();
  let storages = createBackupStorages(config);
  const only = arg(args, '--storage');
  if (only) storages = storages.filter((s) => s.name === only);
  if (storages.length === 0) throw new Error(`no storage ${only} configured (BACKUP_STORAGES=${config.BACKUP_STORAGES})`);

  if (id === 'list') {
    for (const s of storages) {
      for (const b of await BackupEngine.listBackups(s)) {
        console.log(`${s.name}\t${b.id}\t${b.complete ? 'complete' : b.orphan ? 'orphan' : 'INCOMPLETE'}\t${b.manifest?.snapshotAt ?? ''}\t${b.manifest?.size ?? ''}`);
      }
    }
    return 0;
  }
  const target = arg(args, '--target');
  if (!target || !/^postgres(ql)?:\/\//.test(target)) {
    console.error(USAGE);
    return 64;
  }
  const keyFile =
    arg(args, '--private-key') ?? config.BACKUP_PRIVATE_KEY_FILE ?? (config.NODE_ENV !== 'production' ? path.join(config.BACKUP_DEV_KEY_DIR, 'backup-private.pem') : undefined);
  if (!keyFile || !fs.existsSync(keyFile)) throw Object.assign(new Error(`private key not found (${keyFile ?? 'set --private-key'})`), { code: 2 });
  const privateKey = loadPrivateKey(fs.readFileSync(keyFile, 'utf8'));
  const backupId = id === 'latest' ? (await newestBackup(storages))?.id : id;
  if (!backupId) throw Object.assign(new Error('no complete backup found'), { code: 2 });

  const log = { log: (m: string) => console.log(m), warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
  const r = await restoreBackup({ backupId, targetUrl: target, storages, privateKey, workDir: path.resolve(config.BACKUP_WORK_DIR), log });
  const tables = Object.keys(r.manifest.rowCounts).length;
  const rows = Object.values(r.manifest.rowCounts).reduce((a, b) => a + b, 0);
  console.log(
    JSON.stringify({
      backupId,
      storage: r.storage,
      snapshotAt: r.manifest.snapshotAt,
      migration: r.manifest.migration.last,
      tables,
      rows,
      durationMs: r.durationMs,
      rowCountsMatch: r.rowCountsMatch,
      mismatches: r.mismatches,
    }),
  );
  if (!r.rowCountsMatch) {
    console.error(`RESTORED, BUT ROW COUNTS DIFFER in ${r.mismatches.length} table(s)`);
    return 1;
  }
  console.log(`restored ${backupId} (${tables} tables, ${rows} rows, snapshot ${r.manifest.snapshotAt}) in ${r.durationMs} ms: verified`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e as Error & { code?: unknown };
    console.error(`restore refused: ${err.message}`);
    process.exit(2);
  },
);
