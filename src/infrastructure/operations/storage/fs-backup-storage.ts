import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { assertKey, BackupObjectNotFound, BackupStorage, StoredObject } from './backup-storage';

/**
 * Backups in a directory (production: a second disk or an NFS mount, not the database's disk). Writes go to a
 * temporary name, are fsynced and renamed into place, so a crash never leaves a half-written object under its key.
 */
export class FsBackupStorage implements BackupStorage {
  readonly name: string;
  readonly location: string;

  constructor(private readonly root: string, name = 'fs') {
    this.root = path.resolve(root);
    this.location = this.root;
    this.name = name;
  }

  private pathOf(key: string): string {
    assertKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  private async atomicWrite(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const dest = this.pathOf(key);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomBytes(6).toString('hex')}.partial`;
    try {
      await write(tmp);
      const fh = await fs.open(tmp, 'r+');
      await fh.sync();
      await fh.close();
      await fs.rename(tmp, dest);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    const dir = await fs.open(path.dirname(dest), 'r');
    await dir.sync().catch(() => undefined);
    await dir.close();
  }

  putFile(key: string, file: string): Promise<void> {
    return this.atomicWrite(key, (tmp) => pipeline(createReadStream(file), createWriteStream(tmp, { mode: 0o600 })));
  }

  putBytes(key: string, bytes: Buffer): Promise<void> {
    return this.atomicWrite(key, (tmp) => fs.writeFile(tmp, bytes, { mode: 0o600 }));
  }

  async getFile(key: string, dest: string): Promise<void> {
    const src = this.pathOf(key);
    await fs.access(src).catch(() => {
      throw new BackupObjectNotFound(this.name, key);
    });
    await pipeline(createReadStream(src), createWriteStream(dest, { mode: 0o600 }));
  }

  async getBytes(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupObjectNotFound(this.name, key);
      throw e;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(dir, e.name), key);
        else if (e.isFile() && !e.name.endsWith('.partial') && key.startsWith(prefix)) {
          out.push({ key, size: (await fs.stat(path.join(dir, e.name))).size });
        }
      }
    };
    await walk(this.root, '');
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }
}
