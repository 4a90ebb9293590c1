import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { CLOCK, Clock } from '../../shared-kernel/clock';
import { runSql } from '../database/sql';
import { BACKUP_STORAGES } from './backup.service';
import { BACKUP_TIERS, BackupTier } from './backup-types';
import { MaintenanceWindow } from './maintenance-window.service';
import { OperationsMetrics } from './operations-metrics';
import { BackupStorage } from './storage/backup-storage';

export interface TierStorageStatus {
  tier: BackupTier;
  storage: string;
  intervalSeconds: number;
  lastBackupId: string | null;
  lastSuccessAt: string | null;
  ageSeconds: number;
  /** Newest backup older than twice the interval (or none for twice the interval since installation). */
  stale: boolean;
}

export interface DrillStatus {
  id: string;
  backupId: string;
  startedAt: string;
  finishedAt: string | null;
  ok: boolean | null;
  rtoSeconds: number | null;
  rpoSeconds: number | null;
  rowCountsMatch: boolean | null;
  error: string | null;
}

export interface BackupStatus {
  generatedAt: string;
  storages: { name: string; location: string }[];
  tiers: TierStorageStatus[];
  lastDrill: DrillStatus | null;
  maintenanceWindow: { start: string; end: string; timeZone: string; openNow: boolean; nextOpening: string };
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> => {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error('timeout')), ms)))]).finally(() => clearTimeout(t));
};

/** Last successful backup per tier and storage, staleness alerts, last restore drill; feeds the API and /metrics. */
@Injectable()
export class BackupStatusService {
  private readonly log = new Logger('BackupStatus');
  private alerted = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BACKUP_STORAGES) private readonly storages: BackupStorage[],
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly orm: MikroORM,
    private readonly window: MaintenanceWindow,
    private readonly metrics: OperationsMetrics,
  ) {
    metrics.refresh = () => withTimeout(this.status(), 1500).then(() => undefined);
  }

  intervalSeconds(tier: BackupTier): number {
    return { short: this.config.BACKUP_SHORT_INTERVAL_S, daily: 86400, weekly: 7 * 86400, monthly: 31 * 86400 }[tier];
  }

  async status(): Promise<BackupStatus> {
    const em = this.orm.em.fork() as EntityManager;
    const now = this.clock.now();
    const rows = await runSql<{ tier: BackupTier; storage: string; id: string; at: Date }>(
      em,
      `select distinct on (b.tier, c.storage) b.tier, c.storage, b.id, coalesce(b.snapshot_at, c.stored_at) as at
         from operations.backup_copy c join operations.backup b on b.id = c.backup_id
        where c.status = 'stored' and b.status in ('succeeded', 'partial')
        order by b.tier, c.storage, b.snapshot_at desc`,
    );
    const installed = await runSql<{ at: Date | null }>(
      em,
      `select min(executed_at) as at from public.mikro_orm_migrations where name like 'Migration20261204006000%'`,
    );
    const since = new Date(installed[0]?.at ?? now);
    const tiers: TierStorageStatus[] = [];
    for (const tier of BACKUP_TIERS) {
      for (const s of this.storages) {
        const r = rows.find((x) => x.tier === tier && x.storage === s.name);
        const at = r ? new Date(r.at) : null;
        const ageSeconds = Math.max(0, Math.round((now.getTime() - (at ?? since).getTime()) / 1000));
        const interval = this.intervalSeconds(tier);
        const stale = ageSeconds > 2 * interval;
        tiers.push({ tier, storage: s.name, intervalSeconds: interval, lastBackupId: r?.id ?? null, lastSuccessAt: at?.toISOString() ?? null, ageSeconds, stale });
        const labels = { tier, storage: s.name };
        this.metrics.lastSuccess.set(labels, at ? at.getTime() / 1000 : 0);
        this.metrics.age.set(labels, ageSeconds);
        this.metrics.stale.set(labels, stale ? 1 : 0);
      }
    }
    const drills = await runSql<{
      id: string;
      backup_id: string;
      started_at: Date;
      finished_at: Date | null;
      ok: boolean | null;
      rto_ms: number | null;
      rpo_ms: string | null;
      row_counts_match: boolean | null;
      error: string | null;
    }>(em, `select * from operations.restore_drill order by started_at desc limit 1`);
    const d = drills[0];
    const lastDrill: DrillStatus | null = d
      ? {
          id: d.id,
          backupId: d.backup_id,
          startedAt: new Date(d.started_at).toISOString(),
          finishedAt: d.finished_at ? new Date(d.finished_at).toISOString() : null,
          ok: d.ok,
          rtoSeconds: d.rto_ms == null ? null : d.rto_ms / 1000,
          rpoSeconds: d.rpo_ms == null ? null : Number(d.rpo_ms) / 1000,
          rowCountsMatch: d.row_counts_match,
          error: d.error,
        }
      : null;
    if (lastDrill?.finishedAt) {
      this.metrics.drillOk.set(lastDrill.ok ? 1 : 0);
      this.metrics.drillLast.set(new Date(lastDrill.finishedAt).getTime() / 1000);
      if (lastDrill.rtoSeconds != null) this.metrics.drillRto.set(lastDrill.rtoSeconds);
      if (lastDrill.rpoSeconds != null) this.metrics.drillRpo.set(lastDrill.rpoSeconds);
    }
    return {
      generatedAt: now.toISOString(),
      storages: this.storages.map((s) => ({ name: s.name, location: s.location })),
      tiers,
      lastDrill,
      maintenanceWindow: {
        ...this.window.spec,
        openNow: this.window.isOpen(now),
        nextOpening: this.window.nextOpening(now).toISOString(),
      },
    };
  }

  /** The alert check (job every minute): logs an error once per newly stale tier/storage, and when it recovers. */
  async check(): Promise<TierStorageStatus[]> {
    const s = await this.status();
    const stale = s.tiers.filter((t) => t.stale);
    for (const t of stale) {
      const k = `${t.tier}/${t.storage}`;
      if (!this.alerted.has(k)) {
        this.alerted.add(k);
        this.log.error(
          `ALERT newest ${t.tier} backup in ${t.storage} is ${t.ageSeconds} s old (> 2 × ${t.intervalSeconds} s)` +
            (t.lastBackupId ? ` (last: ${t.lastBackupId})` : ' (none yet)'),
        );
      }
    }
    for (const k of [...this.alerted]) {
      if (!stale.some((t) => `${t.tier}/${t.storage}` === k)) {
        this.alerted.delete(k);
        this.log.log(`backups ${k} fresh again`);
      }
    }
    return stale;
  }
}
