import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startS3Server, S3Server } from '../../scripts/services/s3-server';
import { FsBackupStorage } from '../../src/infrastructure/operations/storage/fs-backup-storage';
import { S3BackupStorage } from '../../src/infrastructure/operations/storage/s3-backup-storage';
import { backupStorageContract } from './backup-storage.contract';

let s3: S3Server | undefined;
const fsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-fs-storage-'));
const clients: S3BackupStorage[] = [];

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await s3?.close();
  fs.rmSync(fsDir, { recursive: true, force: true });
});

backupStorageContract('filesystem directory', async () => new FsBackupStorage(fsDir));

backupStorageContract('S3-compatible object storage (s3rver over HTTP)', async () => {
  s3 = await startS3Server();
  const c = new S3BackupStorage({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    bucket: 'proticket-contract',
    prefix: 'run/',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
    createBucket: true,
  });
  clients.push(c);
  return c;
});

describe('filesystem storage atomicity', () => {
  it('never shows a partial write under the final key', async () => {
    const st = new FsBackupStorage(path.join(fsDir, 'atomic'));
    await expect(st.putFile('backups/x.ptbk', path.join(fsDir, 'does-not-exist'))).rejects.toThrow();
    expect(await st.list('')).toEqual([]);
    expect(fs.readdirSync(path.join(fsDir, 'atomic', 'backups'))).toEqual([]); // no .partial left behind
  });
});
