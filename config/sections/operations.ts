import { bool, int, z } from './helpers';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');

/**
 * Settings owned by operations (backups, restore drills, maintenance window, outbox re-drive). Documented in
 * .env.example under "# --- operations ---". Defaults are safe for development and tests.
 */
export const operationsSettings = {
  // --- backups ---
  /**
   * The backup schedule in processes that run workers: auto = on, except with NODE_ENV=test (test runs start many app
   * instances; resilience tests call the backup service themselves). The backup service can always be called.
   */
  BACKUP_SCHEDULE: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Comma-separated storages every backup is written to: fs, s3. Each needs its own settings below. */
  BACKUP_STORAGES: z
    .string()
    .regex(/^(fs|s3)(,(fs|s3))*$/, 'comma-separated list of fs, s3')
    .default('fs'),
  /** Filesystem storage: a directory on a second disk / NFS mount in production. */
  BACKUP_FS_DIR: z.string().min(1).default('var/backups'),
  /** S3-compatible object storage. */
  BACKUP_S3_ENDPOINT: z.string().url().optional(),
  BACKUP_S3_REGION: z.string().min(1).default('us-east-1'),
  BACKUP_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
  BACKUP_S3_PREFIX: z.string().regex(/^[A-Za-z0-9._/-]*$/).default('proticket/'),
  BACKUP_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  BACKUP_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  BACKUP_S3_FORCE_PATH_STYLE: bool.default(true),
  /**
   * PEM file of the RSA-4096 backup public key (wraps each backup's data key with RSA-OAEP-SHA256). Required in
   * production. In development/test a key pair is generated into BACKUP_DEV_KEY_DIR on first use (logged).
   */
  BACKUP_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  /** PEM file of the private key: only needed to restore and for the restore drill; keep it off the app hosts. */
  BACKUP_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  BACKUP_DEV_KEY_DIR: z.string().min(1).default('var/backup-keys'),
  /** Scratch directory for dumps being encrypted / decrypted (needs ~2× the dump size). */
  BACKUP_WORK_DIR: z.string().min(1).default('var/backup-work'),
  /** Short-interval backups, around the clock. */
  BACKUP_SHORT_INTERVAL_S: int(30, 86400).default(900),
  /** Grandfather-father-son retention: how many backups of each tier to keep per storage (never fewer than 1). */
  BACKUP_KEEP_SHORT: int(1, 10000).default(96),
  BACKUP_KEEP_DAILY: int(1, 10000).default(14),
  BACKUP_KEEP_WEEKLY: int(1, 10000).default(8),
  BACKUP_KEEP_MONTHLY: int(1, 10000).default(12),
  /** Upload attempts per storage and the first retry delay (doubles each time). */
  BACKUP_UPLOAD_ATTEMPTS: int(1, 20).default(4),
  BACKUP_UPLOAD_RETRY_MS: int(10, 600000).default(2000),
  /** Weekly restore drill (Sunday, in the maintenance window) into a scratch database that is dropped afterwards. */
  BACKUP_DRILL_ENABLED: bool.default(true),

  // --- maintenance window (heavy jobs: daily/weekly/monthly backups, restore drills, CRL/report regeneration) ---
  MAINTENANCE_WINDOW_START: hhmm.default('02:00'),
  MAINTENANCE_WINDOW_END: hhmm.default('05:00'),
  MAINTENANCE_WINDOW_TZ: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone such as Europe/Berlin')
    .default('Europe/Berlin'),

  // --- outbox re-drive (events handed to Redis that Redis lost before they were consumed) ---
  /** How often the re-drive check runs (and Redis restarts are detected). 0 = off. */
  OUTBOX_REDRIVE_INTERVAL_MS: int(0, 3600000).default(30000),
  /** An event dispatched longer ago than this, not consumed and no longer in BullMQ, is dispatched again. */
  OUTBOX_REDRIVE_AFTER_MS: int(100, 86400000).default(60000),
  /** How far back the re-drive looks. */
  OUTBOX_REDRIVE_LOOKBACK_S: int(60, 30 * 86400).default(24 * 3600),
} satisfies z.ZodRawShape;
