import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BackupObjectNotFound, BackupStorage } from '../../src/infrastructure/operations/storage/backup-storage';

/**
 * The BackupStorage contract: every adapter (filesystem, S3) must pass it. `make` returns a fresh, empty storage.
 */
export function backupStorageContract(name: string, make: () => Promise<BackupStorage>): void {
  describe(`BackupStorage contract: ${name}`, () => {
    let storage: BackupStorage;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-contract-'));
    beforeAll(async () => {
      storage = await make();
    });
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('stores and returns bytes and files exactly (5 MiB, binary)', async () => {
      const big = randomBytes(5 * 1024 * 1024);
      const src = path.join(tmp, 'src.bin');
      fs.writeFileSync(src, big);
      await storage.putFile('backups/a.ptbk', src);
      await storage.putBytes('backups/a.manifest.json', Buffer.from('{"x":1}'));
      const dest = path.join(tmp, 'dest.bin');
      await storage.getFile('backups/a.ptbk', dest);
      expect(fs.readFileSync(dest).equals(big)).toBe(true);
      expect((await storage.getBytes('backups/a.manifest.json')).toString()).toBe('{"x":1}');
    });

    it('lists by prefix in key order with sizes', async () => {
      await storage.putBytes('backups/c.ptbk', Buffer.alloc(3));
      await storage.putBytes('other/z.bin', Buffer.alloc(1));
      const listed = await storage.list('backups/');
      expect(listed.map((o) => o.key)).toEqual(['backups/a.manifest.json', 'backups/a.ptbk', 'backups/c.ptbk']);
      expect(listed.find((o) => o.key === 'backups/a.ptbk')!.size).toBe(5 * 1024 * 1024);
      expect(listed.find((o) => o.key === 'backups/c.ptbk')!.size).toBe(3);
    });

    it('overwrites a key as a whole', async () => {
      await storage.putBytes('backups/c.ptbk', Buffer.from('second version'));
      expect((await storage.getBytes('backups/c.ptbk')).toString()).toBe('second version');
    });

    it('reports a missing key as BackupObjectNotFound', async () => {
      await expect(storage.getBytes('backups/missing.ptbk')).rejects.toBeInstanceOf(BackupObjectNotFound);
      await expect(storage.getFile('backups/missing.ptbk', path.join(tmp, 'x'))).rejects.toBeInstanceOf(BackupObjectNotFound);
    });

    it('deletes (and deleting a missing key is fine)', async () => {
      await storage.delete('backups/c.ptbk');
      await storage.delete('backups/c.ptbk');
      expect((await storage.list('backups/')).map((o) => o.key)).not.toContain('backups/c.ptbk');
    });

    it('refuses keys that could escape the storage', async () => {
      await expect(storage.putBytes('../escape', Buffer.alloc(1))).rejects.toThrow(/invalid backup object key/);
      await expect(storage.putBytes('backups/../../x', Buffer.alloc(1))).rejects.toThrow(/invalid backup object key/);
      await expect(storage.putBytes('/abs', Buffer.alloc(1))).rejects.toThrow(/invalid backup object key/);
    });
  });
}
