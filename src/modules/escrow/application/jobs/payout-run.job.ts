import { MikroORM } from '@mikro-orm/core';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { JobHandler, JobProcessor } from '../../../../infrastructure/jobs/job-handler.decorator';
import { JobQueue, RUN_WORKERS } from '../../../../infrastructure/jobs/jobs.module';
import { inLedgerTx } from '../ledger-tx';
import { PayoutService } from '../payout.service';

/**
 * Thin processor: one payout run (idempotent — an event is paid out at most once, enforced by the database). Scheduled
 * every ESCROW_PAYOUT_SCHEDULE_MS when that is set; otherwise runs are started through the API.
 */
@Injectable()
@JobHandler('escrow.payout-run')
export class PayoutRunJob implements JobProcessor<'escrow.payout-run'>, OnApplicationBootstrap {
  constructor(
    private readonly orm: MikroORM,
    private readonly payouts: PayoutService,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_WORKERS) private readonly runWorkers: boolean,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.runWorkers && this.config.ESCROW_PAYOUT_SCHEDULE_MS > 0) {
      await this.jobs.schedule('escrow.payout-run', this.config.ESCROW_PAYOUT_SCHEDULE_MS, {}).catch(() => undefined);
    }
  }

  async process() {
    const r = await inLedgerTx(this.orm, (em) => this.payouts.run(em, { createdBy: null }));
    return { runId: r.runId, count: r.count, total: r.total, skipped: r.skipped.length };
  }
}
