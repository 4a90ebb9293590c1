/** Backup tiers (grandfather-father-son): short-interval backups around the clock, the rest in the maintenance window. */
export const BACKUP_TIERS = ['short', 'daily', 'weekly', 'monthly'] as const;
export type BackupTier = (typeof BACKUP_TIERS)[number];

/** What a backup contains, recorded when it is made and checked when it is restored. */
export interface BackupManifest {
  format: 1;
  id: string;
  tier: BackupTier;
  /** When the database snapshot was taken (ISO): the restored data is the state at this moment. */
  snapshotAt: string;
  /** pg_dump custom format (-Fc) of the whole database. */
  dumpFormat: 'pg_dump-custom';
  /** Size in bytes and SHA-256 (hex) of the plain dump. */
  size: number;
  sha256: string;
  serverVersion: string;
  pgDumpVersion: string;
  database: string;
  /** The last applied migration and how many were applied. */
  migration: { last: string | null; count: number };
  /** Exact row count per table ("schema.table"), counted in the snapshot the dump was made from. */
  rowCounts: Record<string, number>;
  /** Fingerprint (SHA-256 of the DER SubjectPublicKeyInfo, hex) of the public key that wrapped the data key. */
  keyFingerprint: string;
}

/** The manifest as stored beside the encrypted file: plus size and SHA-256 of the encrypted bytes. */
export interface StoredManifest extends BackupManifest {
  encryptedSize: number;
  encryptedSha256: string;
}

export const backupObjectKey = (id: string) => `backups/${id}.ptbk`;
export const manifestObjectKey = (id: string) => `backups/${id}.manifest.json`;
export const MANIFEST_SUFFIX = '.manifest.json';

/** A sortable backup id: UTC time + tier + random suffix, e.g. 20261204T153000123Z-short-9f2c1a. */
export function newBackupId(tier: BackupTier, at: Date, suffix: string): string {
  const t = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${t}-${tier}-${suffix}`;
}

export const BACKUP_ID = /^\d{8}T\d{9}Z-(short|daily|weekly|monthly)-[0-9a-f]{6,32}$/;
