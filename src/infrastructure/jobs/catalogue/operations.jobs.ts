import type { QueueName } from '../queues';

/** Backup tiers as job payload (kept here so the catalogue imports nothing from the operations code). */
export type OperationsBackupTier = 'short' | 'daily' | 'weekly' | 'monthly';

/**
 * Jobs owned by operations (src/infrastructure/operations): name → payload type, and name → queue. Every job is
 * idempotent: BullMQ delivers at least once (a repeated backup is just one more backup; pruning and drills converge).
 */
export interface OperationsJobs {
  /**
   * One backup of a tier to every configured storage, then GFS pruning. Tiers other than `short` are heavy and run in
   * the maintenance window: outside it they are postponed to its next opening unless `force` is set (manual runs).
   */
  'operations.backup': { tier: OperationsBackupTier; force?: boolean };
  /** Restore the newest backup into a scratch database, check it, record RTO/RPO, drop it (maintenance window). */
  'operations.restore-drill': { force?: boolean };
  /** Alert when the newest backup of a tier/storage is older than twice its interval (metric + error log). */
  'operations.check-backups': Record<string, never>;
}

export const operationsJobQueues: { readonly [N in keyof OperationsJobs]: QueueName } = {
  'operations.backup': 'backups',
  'operations.restore-drill': 'backups',
  'operations.check-backups': 'maintenance',
};
