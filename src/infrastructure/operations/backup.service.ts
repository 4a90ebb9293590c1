import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import path from 'node:path';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { runSql } from '../database/sql';
import { BackupEngine, BackupResult } from './backup-engine';
import { BackupKeys } from './backup-keys';
import { BackupTier } from './backup-types';
import { OperationsMetrics } from './operations-metrics';
import { RetentionPolicy } from './retention';
import { BackupStorage } from './storage/backup-storage';
import { createBackupStorages } from './storage/create-storages';
import { S3BackupStorage } from './storage/s3-backup-storage';

export const BACKUP_STORAGES = Symbol('BACKUP_STORAGES');

export const backupStoragesProvider = {
  provide: BACKUP_STORAGES,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig): BackupStorage[] => createBackupStorages(config),
};

/**
 * Backups as the application runs them: the engine (pg_dump → manifest → envelope encryption → every storage) plus
 * the run recorded in `operations.backup`/`backup_copy`, metrics and alerts, and GFS pruning after each run.
 */
@Injectable()
export class BackupService implements OnApplicationShutdown {
  private readonly log = new Logger('Backups');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BACKUP_STORAGES) readonly storages: BackupStorage[],
    private readonly keys: BackupKeys,
    private readonly orm: MikroORM,
    private readonly metrics: OperationsMetrics,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  get retention(): RetentionPolicy {
    const c = this.config;
    return { short: c.BACKUP_KEEP_SHORT, daily: c.BACKUP_KEEP_DAILY, weekly: c.BACKUP_KEEP_WEEKLY, monthly: c.BACKUP_KEEP_MONTHLY };
  }

  async engine(databaseUrl = this.config.DATABASE_URL): Promise<BackupEngine> {
    return new BackupEngine({
      databaseUrl,
      storages: this.storages,
      publicKey: await this.keys.publicKey(),
      workDir: path.resolve(this.config.BACKUP_WORK_DIR),
      uploadAttempts: this.config.BACKUP_UPLOAD_ATTEMPTS,
      uploadRetryMs: this.config.BACKUP_UPLOAD_RETRY_MS,
      log: { log: (m) => this.log.log(m), warn: (m) => this.log.warn(m), error: (m) => this.log.error(m) },
      onCopyFailed: (storage) => this.metrics.copyFailures.inc({ storage }),
    });
  }

  /**
   * One backup of the tier to every storage. Throws (so the job is retried) only when no storage got a copy; a
   * storage that failed while another succeeded is alerted (metric + error log) and recorded as failed.
   */
  async run(tier: BackupTier): Promise<BackupResult> {
    const engine = await this.engine();
    let result: BackupResult;
    const started = new Date();
    try {
      result = await engine.createBackup(tier, started);
    } catch (e) {
      this.metrics.runs.inc({ tier, status: 'failed' });
      this.log.error(`ALERT ${tier} backup failed: ${(e as Error).message}`);
      await runSql(
        this.em(),
        `insert into operations.backup (id, tier, started_at, finished_at, status, error) values (?, ?, ?, now(), 'failed', ?)`,
        [`failed-${tier}-${started.getTime()}`, tier, started, (e as Error).message.slice(0, 2000)],
      ).catch(() => undefined);
      throw e;
    }
    const ok = result.copies.filter((c) => c.ok).length;
    const status = ok === result.copies.length ? 'succeeded' : ok > 0 ? 'partial' : 'failed';
    this.metrics.runs.inc({ tier, status });
    const m = result.manifest;
    await this.em().transactional(async (em) => {
      await runSql(
        em,
        `insert into operations.backup (id, tier, started_at, finished_at, snapshot_at, status, size_bytes, sha256, encrypted_sha256,
                                        duration_ms, row_counts, migration)
         values (?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?::jsonb, ?)`,
        [result.id, tier, started, m.snapshotAt, status, m.size, m.sha256, m.encryptedSha256, result.durationMs, JSON.stringify(m.rowCounts), m.migration.last],
      );
      for (const c of result.copies) {
        await runSql(
          em,
          `insert into operations.backup_copy (backup_id, storage, status, attempts, error, stored_at) values (?, ?, ?, ?, ?, ?)`,
          [result.id, c.storage, c.ok ? 'stored' : 'failed', c.attempts, c.error?.slice(0, 2000) ?? null, c.ok ? new Date() : null],
        );
      }
    });
    this.log.log(
      `${tier} backup ${result.id}: ${m.size} bytes, ${Object.keys(m.rowCounts).length} tables, ${result.durationMs} ms, ` +
        result.copies.map((c) => `${c.storage}=${c.ok ? 'ok' : 'FAILED'}`).join(' '),
    );
    if (ok === 0) throw new Error(`backup ${result.id} could not be stored in any storage`);
    await this.prune();
    return result;
  }

  /** GFS pruning of every storage (a storage that fails is logged; the others are still pruned). */
  async prune(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const s of this.storages) {
      try {
        out[s.name] = await BackupEngine.prune(s, this.retention);
        if (out[s.name].length) {
          await runSql(
            this.em(),
            `update operations.backup_copy set status = 'pruned', pruned_at = now() where storage = ? and backup_id = any(?::text[])`,
            [s.name, out[s.name]],
          );
        }
      } catch (e) {
        this.log.warn(`pruning ${s.name} failed: ${(e as Error).message}`);
      }
    }
    return out;
  }

  onApplicationShutdown(): void {
    for (const s of this.storages) if (s instanceof S3BackupStorage) s.destroy();
  }
}
