import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { runSql } from '../../../src/infrastructure/database/sql';
import { QUEUES } from '../../../src/infrastructure/jobs/job-catalogue';
import { JobQueue } from '../../../src/infrastructure/jobs/jobs.module';
import { IntegrationEventDispatcher } from '../../../src/infrastructure/messaging/event-dispatcher';
import { IntegrationEventConsumer, OnIntegrationEvent } from '../../../src/infrastructure/messaging/integration-event-handler.decorator';
import { integrationEvent, Outbox } from '../../../src/infrastructure/messaging/outbox';
import { bullConnection } from '../../../src/infrastructure/redis/redis.module';
import type { IntegrationEvent } from '../../../src/shared-kernel/integration-event';
import { createIsolatedDatabase, TestApp, uniq } from '../../support/app-harness';
import { eventually, spawnTs } from './support/processes';

// Generous for a loaded machine (app boot, migrations, child processes through ts-node); a passing run is far faster.
jest.setTimeout(180_000);

/**
 * Transactional outbox → relay → BullMQ → inbox-deduplicated consumer, with real processes dying in between.
 * The consumer's effect table has NO unique constraint: only the inbox stands between a redelivery and a second row.
 * Own database and Redis prefix, so no other suite's relay or worker takes these events.
 */
const PROBE = 'test.OutboxProbe';
type Probe = IntegrationEvent<typeof PROBE, { marker: string }>;

@Injectable()
@OnIntegrationEvent(PROBE, 'test.outbox-probe')
class ProbeConsumer implements IntegrationEventConsumer<Probe> {
  static readonly failedOnce = new Set<string>();
  async handle(event: Probe, em: EntityManager): Promise<void> {
    await runSql(em, 'insert into public.test_outbox_effect (event_id, marker) values (?, ?)', [event.id, event.payload.marker]);
    if (event.payload.marker === 'fail-once' && !ProbeConsumer.failedOnce.has(event.id)) {
      ProbeConsumer.failedOnce.add(event.id);
      throw new Error('transient failure after writing the effect');
    }
  }
}

@Module({ providers: [ProbeConsumer] })
class ProbeModule {}

describe('transactional outbox, relay and inbox (own database, real processes)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let sql: Client;
  let t: TestApp | undefined;
  const prefix = `${process.env.REDIS_KEY_PREFIX}-outbox-${uniq()}`;
  const env = () => ({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    await sql.query('create table public.test_outbox_effect (event_id uuid not null, marker text, at timestamptz not null default now())');
  });
  afterAll(async () => {
    await t?.close();
    await sql?.end();
    await db?.drop();
  });

  const effects = async (eventId: string) => Number((await sql.query('select count(*) from public.test_outbox_effect where event_id = $1', [eventId])).rows[0].count);
  const inbox = async (eventId: string) => Number((await sql.query('select count(*) from messaging.inbox where event_id = $1', [eventId])).rows[0].count);
  const dispatched = async (eventId: string) => (await sql.query('select dispatched_at from messaging.outbox where id = $1', [eventId])).rows[0]?.dispatched_at as Date | null | undefined;

  it('relayKilledBetweenWriteAndHandoff_eventIsDeliveredExactlyOnceAfterRestart', async () => {
    // Two processes die: one right after committing its event (no relay ran), one after handing its event to BullMQ
    // but before marking it dispatched (the relay's transaction is rolled back by PostgreSQL).
    const afterHandoff = spawnTs('test/e2e/foundation/support/outbox-crash-child.ts', env(), ['after-handoff', 'crash-after-handoff']);
    const beforeHandoff = spawnTs('test/e2e/foundation/support/outbox-crash-child.ts', env(), ['before-handoff', 'crash-before-handoff'], 'pipe');
    let e1: string, e2: string;
    try {
      e2 = (await afterHandoff.waitFor(/HANDED_OFF (\S+)/, 150_000))[1];
      await beforeHandoff.waitFor(/READY/, 150_000);
      beforeHandoff.child.stdin!.write('go\n'); // only now: the hanging relay above must not claim this one
      e1 = (await beforeHandoff.waitFor(/WRITTEN (\S+)/))[1];
    } finally {
      afterHandoff.kill('SIGKILL');
      beforeHandoff.kill('SIGKILL');
    }
    expect((await afterHandoff.exited).signal).toBe('SIGKILL');
    expect((await beforeHandoff.exited).signal).toBe('SIGKILL');

    // The state the crash left: both events durable and undispatched, E2 already a job, nothing consumed.
    expect(await dispatched(e1)).toBeNull();
    await eventually(async () => (await dispatched(e2)) === null); // the killed relay's transaction is rolled back
    const queue = new Queue(QUEUES.events, { connection: bullConnection({ REDIS_URL: process.env.REDIS_URL! }), prefix: `${prefix}:bull` });
    try {
      expect(await queue.getJob(e1)).toBeUndefined();
      expect(await (await queue.getJob(e2))?.getState()).toBe('waiting');
    } finally {
      await queue.close();
    }
    expect(await effects(e1)).toBe(0);
    expect(await effects(e2)).toBe(0);

    // Restart: the app's relay and workers pick both up.
    t = await TestApp.start({ ...env(), WORKERS_IN_PROCESS: 'true', OUTBOX_POLL_MS: '50' }, { imports: [ProbeModule] });
    await eventually(async () => (await effects(e1)) > 0 && (await effects(e2)) > 0 && !!(await dispatched(e1)) && !!(await dispatched(e2)), 60_000);
    // E2 was handed off twice (by the dead relay and again after restart) — give a duplicate time to show
    const jobs = t.app.get(JobQueue).queue(QUEUES.events);
    await eventually(async () => (await jobs.getJobCounts('waiting', 'active', 'delayed')).waiting + (await jobs.getJobCounts('active')).active === 0);
    await new Promise((r) => setTimeout(r, 300));
    expect({ e1: await effects(e1), e2: await effects(e2) }).toEqual({ e1: 1, e2: 1 });
    expect({ e1: await inbox(e1), e2: await inbox(e2) }).toEqual({ e1: 1, e2: 1 });
  }, 300_000);

  it('sameEventDispatchedTwice_hasOneEffect', async () => {
    const app = t!;
    const dispatcher = app.app.get(IntegrationEventDispatcher);
    const e = integrationEvent(PROBE, { marker: 'twice-direct' });
    expect(await dispatcher.process(e)).toEqual({ delivered: ['test.outbox-probe'], skipped: [] });
    expect(await dispatcher.process(e)).toEqual({ delivered: [], skipped: ['test.outbox-probe'] });
    expect(await effects(e.id)).toBe(1);
  });

  it('sameEventAsTwoBullmqJobs_concurrently_hasOneEffect', async () => {
    const jobs = t!.app.get(JobQueue);
    const e = integrationEvent(PROBE, { marker: 'twice-bullmq' });
    // different job ids, so BullMQ's own job-id de-duplication does not hide a second delivery
    const [a, b] = await Promise.all([
      jobs.add('messaging.deliver-event', e, { jobId: `dup-a-${e.id}` }),
      jobs.add('messaging.deliver-event', e, { jobId: `dup-b-${e.id}` }),
    ]);
    await eventually(async () => (await a.getState()) === 'completed' && (await b.getState()) === 'completed', 60_000);
    const results = [(await jobs.queue(QUEUES.events).getJob(a.id!))!.returnvalue, (await jobs.queue(QUEUES.events).getJob(b.id!))!.returnvalue];
    expect(results.map((r) => r.delivered.length).sort()).toEqual([0, 1]);
    expect(await effects(e.id)).toBe(1);
    expect(await inbox(e.id)).toBe(1);
  });

  it('consumerFailing_rollsBackEffectAndInbox_thenTheRetryHasOneEffect', async () => {
    const e = integrationEvent(PROBE, { marker: 'fail-once' });
    await (t!.em() as EntityManager).transactional((em) => t!.app.get(Outbox).append(em, e));
    await eventually(async () => (await effects(e.id)) === 1 && (await inbox(e.id)) === 1, 60_000);
    expect(ProbeConsumer.failedOnce.has(e.id)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await effects(e.id)).toBe(1);
  });

  it('outboxAppend_outsideATransaction_isRefused', async () => {
    await expect(t!.app.get(Outbox).append(t!.em(), integrationEvent(PROBE, { marker: 'no-tx' }))).rejects.toThrow(/inside the transaction/);
  });
});
