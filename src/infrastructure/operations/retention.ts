import { BACKUP_TIERS, BackupTier } from './backup-types';

export interface RetentionEntry {
  id: string;
  tier: BackupTier;
  /** Manifest and encrypted file are both present and the file has the recorded size. */
  complete: boolean;
}

export type RetentionPolicy = Record<BackupTier, number>;

/**
 * Grandfather-father-son pruning for ONE storage: per tier keep the newest `keep[tier]` complete backups (ids sort by
 * time). Never deletes the newest complete backup of a tier (keep is at least 1), and never deletes anything of a
 * tier that has no complete backup (an incomplete newer one is no copy). Incomplete backups older than the newest
 * complete one of their tier are removed.
 */
export function selectForPruning(entries: RetentionEntry[], keep: RetentionPolicy): string[] {
  const doomed: string[] = [];
  for (const tier of BACKUP_TIERS) {
    const ofTier = entries.filter((e) => e.tier === tier).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)); // newest first
    const complete = ofTier.filter((e) => e.complete);
    if (complete.length === 0) continue;
    const n = Math.max(1, keep[tier]);
    const kept = new Set(complete.slice(0, n).map((e) => e.id));
    const newestComplete = complete[0].id;
    for (const e of ofTier) {
      if (kept.has(e.id)) continue;
      if (!e.complete && e.id > newestComplete) continue; // may still be uploading
      doomed.push(e.id);
    }
  }
  return doomed;
}
