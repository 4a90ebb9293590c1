import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Module } from '@nestjs/common';
import { Client } from 'pg';
import { IntegrationEventConsumer, OnIntegrationEvent } from '../../src/infrastructure/messaging/integration-event-handler.decorator';
import { integrationEvent, Outbox } from '../../src/infrastructure/messaging/outbox';
import { OperationsMetrics } from '../../src/infrastructure/operations/operations-metrics';
import type { IntegrationEvent } from '../../src/shared-kernel/integration-event';
import { eventually } from '../e2e/foundation/support/processes';
import { createIsolatedDatabase, TestApp, uniq } from '../support/app-harness';
import { ScratchRedis } from './support/scratch-redis';

/**
 * Must show: Redis restarted mid-run (it keeps nothing on disk here) → no integration event that the database
 * recorded is lost: the outbox re-drives them. A slow consumer keeps a backlog of delivery jobs in Redis, so the
 * kill -9 really destroys jobs that were already marked dispatched in the outbox.
 */
const TYPE = 'test.RedisLossProbe';
const CONSUMER = 'test.redis-loss-probe';
const calls: string[] = [];

@Injectable()
@OnIntegrationEvent(TYPE, CONSUMER)
class SlowConsumer implements IntegrationEventConsumer<IntegrationEvent<typeof TYPE, { n: number }>> {
  async handle(event: IntegrationEvent<typeof TYPE, { n: number }>): Promise<void> {
    await new Promise((r) => setTimeout(r, 200));
    calls.push(event.id);
  }
}

@Module({ providers: [SlowConsumer] })
class ProbeModule {}

describe('Redis loss (resilience)', () => {
  let iso: { url: string; drop: () => Promise<void> };
  let redis: ScratchRedis;
  let t: TestApp;
  let sql: Client;

  beforeAll(async () => {
    iso = await createIsolatedDatabase();
    redis = await ScratchRedis.start();
    sql = new Client({ connectionString: iso.url });
    await sql.connect();
    t = await TestApp.start(
      {
        DATABASE_URL: iso.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `pt-redisloss-${uniq()}`,
        WORKERS_IN_PROCESS: 'true',
        OUTBOX_POLL_MS: '50',
        OUTBOX_REDRIVE_INTERVAL_MS: '500',
        OUTBOX_REDRIVE_AFTER_MS: '1500',
        LOG_LEVEL: process.env.RESILIENCE_LOG_LEVEL ?? 'silent',
      },
      { imports: [ProbeModule] },
    );
  }, 90_000);

  afterAll(async () => {
    await t?.close();
    await redis?.kill();
    await sql?.end();
    await iso?.drop();
  });

  it('delivers every event recorded in the outbox exactly once although Redis lost its jobs', async () => {
    const outbox = t.app.get(Outbox);
    const ids: string[] = [];
    const write = async (count: number) => {
      const batch = Array.from({ length: count }, (_, i) => integrationEvent(TYPE, { n: ids.length + i }));
      await t.em().transactional((em) => outbox.append(em as EntityManager, ...batch));
      ids.push(...batch.map((e) => e.id));
    };
    // A burst far larger than the consumer drains (~80/s at 16 × 200 ms): the relay hands it all to BullMQ, and a
    // backlog of dispatched-but-unconsumed jobs waits in Redis.
    for (let i = 0; i < 6; i++) await write(50);
    const dispatchedNotConsumed = async () =>
      Number((await sql.query(`select count(*) from messaging.outbox o where dispatched_at is not null and not exists (select 1 from messaging.inbox i where i.event_id = o.id)`)).rows[0].count);
    await eventually(async () => (await dispatchedNotConsumed()) > 100, 10_000, 50);
    await redis.kill(); // kill -9: the waiting jobs are gone
    await write(50); // the database keeps recording while Redis is down
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start(); // same port, empty
    await write(50);

    const consumed = async () => Number((await sql.query(`select count(*) from messaging.inbox where consumer = $1`, [CONSUMER])).rows[0].count);
    await eventually(async () => (await consumed()) === ids.length, 60_000, 250);
    expect(await consumed()).toBe(ids.length);
    expect(new Set(calls).size).toBe(ids.length);
    expect(calls.length).toBe(ids.length); // the inbox kept every redelivery from having a second effect
    const redriven = (await t.app.get(OperationsMetrics).redriven.get()).values[0]?.value ?? 0;
    expect(redriven).toBeGreaterThan(0); // the test really lost jobs, and the outbox re-drove them
  }, 120_000);
});
