import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { runSql } from '../database/sql';
import { JobQueue, RUN_WORKERS } from '../jobs/jobs.module';
import { QUEUES } from '../jobs/queues';
import { IntegrationEventDispatcher } from '../messaging/event-dispatcher';
import { REDIS } from '../redis/redis.module';

/**
 * Closes the gap the outbox relay leaves when Redis loses data (a restart without persistence, a failover to a
 * replica that lagged): the relay marks an event dispatched once BullMQ has the job, so a job that Redis then loses
 * would never be delivered. This loop — a timer, not a BullMQ job, so it survives the Redis loss it repairs — finds
 * events dispatched more than OUTBOX_REDRIVE_AFTER_MS ago that a subscribed consumer has not processed (no inbox
 * row) and whose job BullMQ no longer has, and marks them undispatched again: the relay hands them over once more
 * (job id = event id, consumers de-duplicate through the inbox, so this is safe). It also notices a Redis restart
 * (run_id changes) and then checks at once and re-creates the operations job schedules.
 */
@Injectable()
export class OutboxRedriveService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('OutboxRedrive');
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private redisRunId?: string;
  private readonly restartListeners: Array<() => Promise<void>> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_WORKERS) private readonly runWorkers: boolean,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly orm: MikroORM,
    private readonly jobs: JobQueue,
    private readonly dispatcher: IntegrationEventDispatcher,
  ) {}

  /** Called after a Redis restart was detected (e.g. to re-create job schedules). */
  onRedisRestart(listener: () => Promise<void>): void {
    this.restartListeners.push(listener);
  }

  onApplicationBootstrap(): void {
    if (!this.runWorkers || this.config.OUTBOX_REDRIVE_INTERVAL_MS === 0) return;
    const tick = () => {
      this.running = this.tick()
        .catch((e: Error) => this.log.warn(`outbox re-drive check failed: ${e.message}`))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.config.OUTBOX_REDRIVE_INTERVAL_MS);
        });
    };
    this.timer = setTimeout(tick, this.config.OUTBOX_REDRIVE_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async tick(): Promise<void> {
    const restarted = await this.detectRedisRestart();
    if (restarted) {
      for (const l of this.restartListeners) await l().catch((e: Error) => this.log.warn(`after Redis restart: ${e.message}`));
    }
    await this.redrive(restarted ? 0 : this.config.OUTBOX_REDRIVE_AFTER_MS);
  }

  private async detectRedisRestart(): Promise<boolean> {
    const info = await this.redis.info('server');
    const runId = /run_id:(\w+)/.exec(info)?.[1];
    const before = this.redisRunId;
    this.redisRunId = runId;
    if (before && runId && before !== runId) {
      this.log.warn('Redis restarted (run_id changed): checking the outbox for events Redis lost');
      return true;
    }
    return false;
  }

  /** One pass; returns how many events were marked for re-delivery. */
  async redrive(afterMs = this.config.OUTBOX_REDRIVE_AFTER_MS): Promise<number> {
    const em = this.orm.em.fork() as EntityManager;
    const queue = this.jobs.queue(QUEUES.events);
    let total = 0;
    const types = await runSql<{ type: string }>(
      em,
      `select distinct type from messaging.outbox
        where dispatched_at is not null and dispatched_at < now() - ?::interval and dispatched_at > now() - ?::interval`,
      [`${afterMs} milliseconds`, `${this.config.OUTBOX_REDRIVE_LOOKBACK_S} seconds`],
    );
    for (const { type } of types) {
      const consumers = this.dispatcher.consumersOf(type);
      if (consumers.length === 0) continue;
      let afterSeq = 0;
      for (;;) {
        const rows = await runSql<{ id: string; seq: string }>(
          em,
          `select o.id, o.seq from messaging.outbox o
            where o.type = ? and o.seq > ? and o.dispatched_at is not null
              and o.dispatched_at < now() - ?::interval and o.dispatched_at > now() - ?::interval
              and exists (select 1 from unnest(?::text[]) c(name)
                           where not exists (select 1 from messaging.inbox i where i.consumer = c.name and i.event_id = o.id))
            order by o.seq limit 500`,
          [type, afterSeq, `${afterMs} milliseconds`, `${this.config.OUTBOX_REDRIVE_LOOKBACK_S} seconds`, consumers],
        );
        if (rows.length === 0) break;
        afterSeq = Number(rows[rows.length - 1].seq);
        let timer: NodeJS.Timeout | undefined;
        const jobs = await Promise.race([
          Promise.all(rows.map((r) => queue.getJob(r.id))),
          new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('BullMQ lookup timed out')), 10_000))),
        ]).finally(() => clearTimeout(timer));
        const lost = rows.filter((_, i) => !jobs[i]).map((r) => r.id);
        if (lost.length) {
          // Only rows still marked dispatched (the relay may have moved on); the relay picks them up again.
          const n = await runSql(
            em,
            `update messaging.outbox set dispatched_at = null where id = any(?::uuid[]) and dispatched_at is not null returning 1`,
            [lost],
          );
          total += n.length;
        }
        if (rows.length < 500) break;
      }
    }
    if (total > 0) {
      this.log.warn(`re-driving ${total} outbox events that were dispatched but lost by Redis before being consumed`);
      this.redriven?.(total);
    }
    return total;
  }

  /** Metrics hook (set by the module). */
  redriven?: (n: number) => void;
}
