import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Metrics } from '../metrics/metrics.module';

/** Operations metrics on the app's registry. Status gauges are refreshed from the database on each scrape. */
@Injectable()
export class OperationsMetrics {
  readonly copyFailures: Counter<'storage'>;
  readonly runs: Counter<'tier' | 'status'>;
  readonly redriven: Counter<string>;
  readonly redisRestarts: Counter<string>;
  readonly lastSuccess: Gauge<'tier' | 'storage'>;
  readonly age: Gauge<'tier' | 'storage'>;
  readonly stale: Gauge<'tier' | 'storage'>;
  readonly drillRto: Gauge<string>;
  readonly drillRpo: Gauge<string>;
  readonly drillOk: Gauge<string>;
  readonly drillLast: Gauge<string>;

  /** Set by BackupStatusService: refreshes the status gauges (called on each scrape, before they are read). */
  refresh?: () => Promise<void>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.copyFailures = new Counter({
      name: 'backup_copy_failures_total',
      help: 'Backups that could not be written to a storage after all retries (alert)',
      labelNames: ['storage'],
      registers,
    });
    this.runs = new Counter({ name: 'backup_runs_total', help: 'Backup runs by tier and outcome', labelNames: ['tier', 'status'], registers });
    this.redriven = new Counter({
      name: 'outbox_redriven_events_total',
      help: 'Dispatched outbox events handed to BullMQ again because Redis lost them before they were consumed',
      registers,
    });
    this.redisRestarts = new Counter({ name: 'redis_restarts_detected_total', help: 'Redis restarts seen (run_id changed)', registers });
    this.lastSuccess = new Gauge({
      name: 'backup_last_success_timestamp_seconds',
      help: 'Time of the newest backup stored per tier and storage',
      labelNames: ['tier', 'storage'],
      registers,
      async collect() {
        await self.refresh?.().catch(() => undefined); // database down: keep the last values
      },
    });
    this.age = new Gauge({
      name: 'backup_age_seconds',
      help: 'Age of the newest stored backup per tier and storage (since installation when there is none)',
      labelNames: ['tier', 'storage'],
      registers,
    });
    this.stale = new Gauge({
      name: 'backup_stale',
      help: '1 when the newest backup of a tier in a storage is older than twice the tier interval (alert)',
      labelNames: ['tier', 'storage'],
      registers,
    });
    this.drillRto = new Gauge({ name: 'backup_restore_drill_rto_seconds', help: 'Measured restore time of the last restore drill', registers });
    this.drillRpo = new Gauge({ name: 'backup_restore_drill_rpo_seconds', help: 'Data age of the backup restored by the last drill', registers });
    this.drillOk = new Gauge({ name: 'backup_restore_drill_ok', help: '1 when the last restore drill passed all checks', registers });
    this.drillLast = new Gauge({ name: 'backup_restore_drill_timestamp_seconds', help: 'When the last restore drill finished', registers });
  }
}
