import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Global, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { runSql } from '../database/sql';
import { JobHandler, JobProcessor } from '../jobs/job-handler.decorator';
import { JobQueue, RUN_WORKERS } from '../jobs/jobs.module';
import { IntegrationEventDispatcher } from './event-dispatcher';
import { Outbox } from './outbox';
import { OutboxRelay } from './outbox-relay';

/** Runs the outbox relay in every process that runs workers (several at once are safe: SKIP LOCKED). */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly relay: OutboxRelay;

  constructor(
    orm: MikroORM,
    jobs: JobQueue,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(RUN_WORKERS) private readonly runWorkers: boolean,
  ) {
    this.relay = new OutboxRelay(
      () => orm.em.fork() as EntityManager,
      (events) => jobs.addBulk('messaging.deliver-event', events.map((e) => ({ payload: e, opts: { jobId: e.id } }))),
      config.OUTBOX_POLL_MS,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.runWorkers) this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

@Injectable()
@JobHandler('messaging.prune')
export class PruneMessagingJob implements JobProcessor<'messaging.prune'>, OnApplicationBootstrap {
  constructor(
    private readonly orm: MikroORM,
    private readonly jobs: JobQueue,
    @Inject(RUN_WORKERS) private readonly runWorkers: boolean,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.runWorkers) await this.jobs.schedule('messaging.prune', 24 * 3600_000, { olderThanDays: 14 }).catch(() => undefined);
  }

  async process({ olderThanDays }: { olderThanDays: number }): Promise<{ outbox: number; inbox: number }> {
    const em = this.orm.em.fork() as EntityManager;
    const cutoff = `${Math.max(1, olderThanDays)} days`;
    const o = await runSql(em, `delete from messaging.outbox where dispatched_at < now() - ?::interval returning 1`, [cutoff]);
    const i = await runSql(em, `delete from messaging.inbox where processed_at < now() - ?::interval returning 1`, [cutoff]);
    return { outbox: o.length, inbox: i.length };
  }
}

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [Outbox, IntegrationEventDispatcher, OutboxRelayService, PruneMessagingJob],
  exports: [Outbox, IntegrationEventDispatcher, OutboxRelayService],
})
export class MessagingModule {}
