import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { JobHandler, JobProcessor } from '../../../infrastructure/jobs/job-handler.decorator';
import { JobQueue, RUN_WORKERS } from '../../../infrastructure/jobs/jobs.module';
import { HomeDeliveryService } from './delivery/home-delivery.service';
import { PrintRunService } from './printing/print-run.service';

/** Thin processors: each dispatches to its service (which is idempotent). */
@Injectable()
@JobHandler('ticketing.print-run')
export class PrintRunJob implements JobProcessor<'ticketing.print-run'> {
  constructor(private readonly runs: PrintRunService) {}
  process(payload: { runId: string }, job: Job) {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.runs.process(payload.runId, (pct) => job.updateProgress(pct), last);
  }
}

@Injectable()
@JobHandler('ticketing.deliver-home')
export class DeliverHomeJob implements JobProcessor<'ticketing.deliver-home'> {
  constructor(private readonly deliveries: HomeDeliveryService) {}
  process(payload: { deliveryId: string }) {
    return this.deliveries.process(payload.deliveryId);
  }
}

@Injectable()
@JobHandler('ticketing.sweep')
export class SweepJob implements JobProcessor<'ticketing.sweep'>, OnApplicationBootstrap {
  constructor(
    private readonly deliveries: HomeDeliveryService,
    private readonly jobs: JobQueue,
    @Inject(RUN_WORKERS) private readonly runWorkers: boolean,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.runWorkers) {
      const every = this.config.TICKETING_DELIVERY_SWEEP_MS;
      await this.jobs.schedule('ticketing.sweep', every, { olderThanMs: every }).catch(() => undefined);
    }
  }

  process(payload: { olderThanMs: number }) {
    return this.deliveries.sweep(payload.olderThanMs);
  }
}
