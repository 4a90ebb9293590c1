/**
 * Port: a storage system that keeps backup objects (the encrypted dump and its manifest). Keys are relative paths
 * with `/` separators (e.g. `backups/<id>.ptbk`). Adapters: a filesystem directory and S3-compatible object storage.
 * Every adapter must pass test/resilience/backup-storage.contract.ts.
 */
export interface StoredObject {
  key: string;
  size: number;
}

export interface BackupStorage {
  /** Short name used in status, metrics and logs: `fs`, `s3`. */
  readonly name: string;
  /** Where it stores (directory or bucket/prefix), for logs and the status API. No credentials. */
  readonly location: string;
  /** Stores the local file under `key`; a reader never sees a partly written object. */
  putFile(key: string, file: string): Promise<void>;
  putBytes(key: string, bytes: Buffer): Promise<void>;
  /** Downloads `key` into the local file `dest`. Throws BackupObjectNotFound if missing. */
  getFile(key: string, dest: string): Promise<void>;
  getBytes(key: string): Promise<Buffer>;
  /** Objects whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Deletes `key`; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

export class BackupObjectNotFound extends Error {
  constructor(storage: string, key: string) {
    super(`${key} not found in ${storage} backup storage`);
    this.name = 'BackupObjectNotFound';
  }
}

export function assertKey(key: string): void {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').some((p) => p === '..' || p === '.')) {
    throw new Error(`invalid backup object key ${JSON.stringify(key)}`);
  }
}
