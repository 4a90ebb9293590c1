import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { JobHandler, JobProcessor } from '../jobs/job-handler.decorator';
import { JobPayload } from '../jobs/job-catalogue';
import { JobQueue, RUN_WORKERS } from '../jobs/jobs.module';
import { QUEUES } from '../jobs/queues';
import { BackupService } from './backup.service';
import { BackupStatusService } from './backup-status.service';
import { cronInWindow } from './maintenance-window';
import { MaintenanceWindow } from './maintenance-window.service';
import { OutboxRedriveService } from './outbox-redrive.service';
import { RestoreDrillService } from './restore-drill.service';

/** Postpones a heavy job to the next opening of the maintenance window (returns true if it did). */
async function postponeOutsideWindow(job: Job, window: MaintenanceWindow, log: Logger): Promise<boolean> {
  if (window.isOpen()) return false;
  const at = window.nextOpening();
  log.log(`${job.name} ${job.id} is outside the maintenance window: postponed to ${at.toISOString()}`);
  await job.moveToDelayed(at.getTime(), job.token);
  throw new DelayedError();
}

@Injectable()
@JobHandler('operations.backup')
export class BackupJob implements JobProcessor<'operations.backup'> {
  private readonly log = new Logger('BackupJob');
  constructor(
    private readonly backups: BackupService,
    private readonly window: MaintenanceWindow,
  ) {}

  async process(payload: JobPayload<'operations.backup'>, job: Job) {
    if (payload.tier !== 'short' && !payload.force) await postponeOutsideWindow(job, this.window, this.log);
    const r = await this.backups.run(payload.tier);
    return { id: r.id, copies: r.copies };
  }
}

@Injectable()
@JobHandler('operations.restore-drill')
export class RestoreDrillJob implements JobProcessor<'operations.restore-drill'> {
  private readonly log = new Logger('RestoreDrillJob');
  constructor(
    private readonly drills: RestoreDrillService,
    private readonly window: MaintenanceWindow,
  ) {}

  async process(payload: JobPayload<'operations.restore-drill'>, job: Job) {
    if (!payload.force) await postponeOutsideWindow(job, this.window, this.log);
    return this.drills.run();
  }
}

@Injectable()
@JobHandler('operations.check-backups')
export class CheckBackupsJob implements JobProcessor<'operations.check-backups'> {
  constructor(private readonly status: BackupStatusService) {}
  async process() {
    const stale = await this.status.check();
    return { stale: stale.map((s) => `${s.tier}/${s.storage}`) };
  }
}

/**
 * Registers the schedules (idempotent upserts, safe on every worker start, again after a Redis restart):
 * short-interval backups around the clock; daily/weekly/monthly backups and the weekly drill inside the window.
 */
@Injectable()
export class OperationsSchedule implements OnApplicationBootstrap {
  private readonly log = new Logger('OperationsSchedule');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_WORKERS) private readonly runWorkers: boolean,
    private readonly jobs: JobQueue,
    private readonly window: MaintenanceWindow,
    redrive: OutboxRedriveService,
  ) {
    redrive.onRedisRestart(() => this.register());
  }

  get enabled(): boolean {
    const s = this.config.BACKUP_SCHEDULE;
    return this.runWorkers && (s === 'on' || (s === 'auto' && this.config.NODE_ENV !== 'test'));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.register().catch((e: Error) => this.log.error(`could not register the backup schedule: ${e.message}`));
  }

  /** The schedule as (scheduler id, repeat options, job); exposed for the status API and tests. */
  plan() {
    const w = this.window.spec;
    const len = this.window.minutes;
    const at = (fraction: number) => Math.floor(len * fraction);
    const tz = w.timeZone;
    const entries: { id: string; repeat: { every?: number; pattern?: string; tz?: string }; name: string; data: object }[] = [
      { id: 'operations.backup:short', repeat: { every: this.config.BACKUP_SHORT_INTERVAL_S * 1000 }, name: 'operations.backup', data: { tier: 'short' } },
      { id: 'operations.backup:daily', repeat: { pattern: cronInWindow(w, at(0)), tz }, name: 'operations.backup', data: { tier: 'daily' } },
      { id: 'operations.backup:weekly', repeat: { pattern: cronInWindow(w, at(0.1), { dayOfWeek: 0 }), tz }, name: 'operations.backup', data: { tier: 'weekly' } },
      { id: 'operations.backup:monthly', repeat: { pattern: cronInWindow(w, at(0.2), { dayOfMonth: 1 }), tz }, name: 'operations.backup', data: { tier: 'monthly' } },
      { id: 'operations.check-backups', repeat: { every: 60_000 }, name: 'operations.check-backups', data: {} },
    ];
    if (this.config.BACKUP_DRILL_ENABLED) {
      entries.push({ id: 'operations.restore-drill', repeat: { pattern: cronInWindow(w, at(0.4), { dayOfWeek: 0 }), tz }, name: 'operations.restore-drill', data: {} });
    }
    return entries;
  }

  async register(): Promise<void> {
    if (!this.enabled) return;
    for (const e of this.plan()) {
      const queue = this.jobs.queue(e.name === 'operations.check-backups' ? QUEUES.maintenance : QUEUES.backups);
      await queue.upsertJobScheduler(`schedule:${e.id}`, e.repeat, { name: e.name, data: e.data });
    }
    this.log.log(
      `backup schedule: short every ${this.config.BACKUP_SHORT_INTERVAL_S} s; daily/weekly/monthly and drills in ` +
        `${this.window.spec.start}–${this.window.spec.end} ${this.window.spec.timeZone}`,
    );
  }
}
