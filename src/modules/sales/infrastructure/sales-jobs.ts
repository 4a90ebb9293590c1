import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { JobHandler, JobProcessor } from '../../../infrastructure/jobs/job-handler.decorator';
import { JobQueue, RUN_WORKERS } from '../../../infrastructure/jobs/jobs.module';
import { Outbox } from '../../../infrastructure/messaging/outbox';
import { expireUnpaidOrders, sweepExpiredHolds } from '../application/commands/order.commands';

/** Thin processor: returns expired holds' places (idempotent — a second run finds nothing to do). */
@Injectable()
@JobHandler('sales.sweep-expired-holds')
export class SweepExpiredHoldsJob implements JobProcessor<'sales.sweep-expired-holds'> {
  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
  ) {}

  async process(payload: { batchSize: number }): Promise<{ holds: number }> {
    let holds = 0;
    for (;;) {
      const n = await (this.orm.em.fork() as EntityManager).transactional((em) => sweepExpiredHolds(em, this.outbox, payload.batchSize));
      holds += n;
      if (n < payload.batchSize) return { holds };
    }
  }
}

@Injectable()
@JobHandler('sales.expire-unpaid-orders')
export class ExpireUnpaidOrdersJob implements JobProcessor<'sales.expire-unpaid-orders'> {
  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
  ) {}

  async process(payload: { batchSize: number }): Promise<{ orders: number }> {
    let orders = 0;
    for (;;) {
      const n = await (this.orm.em.fork() as EntityManager).transactional((em) => expireUnpaidOrders(em, this.outbox, payload.batchSize));
      orders += n;
      if (n < payload.batchSize) return { orders };
    }
  }
}

/** Schedules the two sweeps (idempotent upsert of one scheduler per job) where workers run. */
@Injectable()
export class SalesJobScheduler implements OnApplicationBootstrap {
  private readonly log = new Logger('SalesJobs');

  constructor(
    private readonly jobs: JobQueue,
    @Inject(RUN_WORKERS) private readonly runWorkers: boolean,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runWorkers) return;
    try {
      await this.jobs.schedule('sales.sweep-expired-holds', this.config.SALES_HOLD_SWEEP_EVERY_MS, { batchSize: 500 });
      await this.jobs.schedule('sales.expire-unpaid-orders', this.config.SALES_ORDER_EXPIRY_EVERY_MS, { batchSize: 200 });
    } catch (e) {
      this.log.warn(`could not schedule sales sweeps: ${(e as Error).message}`);
    }
  }
}
