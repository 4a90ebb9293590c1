import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import path from 'node:path';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { newId } from '../../shared-kernel/ids';
import { runSql } from '../database/sql';
import { BACKUP_STORAGES } from './backup.service';
import { BackupKeys } from './backup-keys';
import { OperationsMetrics } from './operations-metrics';
import { dropDatabase, pgEnv, withDatabase } from './pg-tools';
import { newestBackup, restoreBackup } from './restore';
import { BackupStorage } from './storage/backup-storage';

export interface DrillResult {
  id: string;
  backupId: string | null;
  ok: boolean;
  rtoMs: number | null;
  rpoMs: number | null;
  rowCountsMatch: boolean | null;
  error?: string;
  skipped?: string;
}

/**
 * The weekly restore drill: restores the newest backup into a scratch database (`<db>_drill_<time>` on the same
 * server unless a URL is given), runs the restore checks (SHA-256, GCM tag, row counts), records the measured
 * restore time (RTO) and the data age of the backup (RPO) in `operations.restore_drill`, and drops the scratch
 * database whatever happened.
 */
@Injectable()
export class RestoreDrillService {
  private readonly log = new Logger('RestoreDrill');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BACKUP_STORAGES) private readonly storages: BackupStorage[],
    private readonly keys: BackupKeys,
    private readonly orm: MikroORM,
    private readonly metrics: OperationsMetrics,
  ) {}

  async run(scratchUrl?: string): Promise<DrillResult> {
    const privateKey = await this.keys.privateKey();
    if (!privateKey) {
      const skipped = 'no private key in this process (BACKUP_PRIVATE_KEY_FILE): run the drill where the key is';
      this.log.warn(`restore drill skipped: ${skipped}`);
      return { id: '', backupId: null, ok: false, rtoMs: null, rpoMs: null, rowCountsMatch: null, skipped };
    }
    const newest = await newestBackup(this.storages);
    if (!newest) throw new Error('restore drill: no complete backup in any storage');
    const id = newId();
    const started = new Date();
    const em = this.orm.em.fork() as EntityManager;
    await runSql(em, `insert into operations.restore_drill (id, backup_id, started_at) values (?, ?, ?)`, [id, newest.id, started]);
    const target =
      scratchUrl ?? withDatabase(this.config.DATABASE_URL, `${pgEnv(this.config.DATABASE_URL).database}_drill_${started.getTime().toString(36)}`);
    const rpoMs = started.getTime() - new Date(newest.snapshotAt).getTime();
    try {
      const r = await restoreBackup({
        backupId: newest.id,
        targetUrl: target,
        storages: this.storages,
        privateKey,
        workDir: path.resolve(this.config.BACKUP_WORK_DIR),
        log: { log: (m) => this.log.log(m), warn: (m) => this.log.warn(m), error: (m) => this.log.error(m) },
      });
      const ok = r.rowCountsMatch;
      await runSql(
        em,
        `update operations.restore_drill set finished_at = now(), ok = ?, rto_ms = ?, rpo_ms = ?, row_counts_match = ?, storage = ?, error = ? where id = ?`,
        [ok, r.durationMs, rpoMs, r.rowCountsMatch, r.storage, ok ? null : `row counts differ: ${JSON.stringify(r.mismatches).slice(0, 1500)}`, id],
      );
      this.setMetrics(ok, r.durationMs, rpoMs);
      (ok ? this.log.log.bind(this.log) : this.log.error.bind(this.log))(
        `${ok ? '' : 'ALERT '}restore drill of ${newest.id} from ${r.storage}: ${ok ? 'passed' : 'FAILED'}, RTO ${r.durationMs} ms, RPO ${Math.round(rpoMs / 1000)} s`,
      );
      return { id, backupId: newest.id, ok, rtoMs: r.durationMs, rpoMs, rowCountsMatch: r.rowCountsMatch };
    } catch (e) {
      const msg = (e as Error).message;
      this.log.error(`ALERT restore drill of ${newest.id} failed: ${msg}`);
      await runSql(em, `update operations.restore_drill set finished_at = now(), ok = false, rpo_ms = ?, error = ? where id = ?`, [rpoMs, msg.slice(0, 2000), id]);
      this.setMetrics(false, null, rpoMs);
      return { id, backupId: newest.id, ok: false, rtoMs: null, rpoMs, rowCountsMatch: null, error: msg };
    } finally {
      await dropDatabase(target).catch((e: Error) => this.log.error(`could not drop scratch database: ${e.message}`));
    }
  }

  private setMetrics(ok: boolean, rtoMs: number | null, rpoMs: number): void {
    this.metrics.drillOk.set(ok ? 1 : 0);
    this.metrics.drillLast.set(Date.now() / 1000);
    if (rtoMs != null) this.metrics.drillRto.set(rtoMs / 1000);
    this.metrics.drillRpo.set(rpoMs / 1000);
  }
}
