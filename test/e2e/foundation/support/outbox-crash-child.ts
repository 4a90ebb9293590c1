/**
 * A process that dies in the middle of the transactional outbox (run by outbox.e2e.test.ts, SIGKILLed by it):
 *
 * - `before-handoff`: waits for "go" on stdin, writes one event to the outbox in its own committed transaction,
 *   prints `WRITTEN <id>` and hangs: the process dies after the write, before any relay saw the event.
 * - `after-handoff`: writes one event, then runs the production relay (OutboxRelayService) whose hand-off adds the
 *   BullMQ job and then hangs before the relay's transaction marks the row dispatched: prints `HANDED_OFF <id>`.
 *   The process dies holding the row lock; PostgreSQL rolls the claim back.
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadConfig } from '../../../../config/configuration';
import { mikroOrmOptions } from '../../../../src/infrastructure/database/mikro-orm.config';
import type { JobName, JobPayload } from '../../../../src/infrastructure/jobs/job-catalogue';
import { JobQueue } from '../../../../src/infrastructure/jobs/jobs.module';
import { OutboxRelayService } from '../../../../src/infrastructure/messaging/messaging.module';
import { integrationEvent, Outbox } from '../../../../src/infrastructure/messaging/outbox';
import { RedisKeys } from '../../../../src/infrastructure/redis/redis.module';

const forever = () => new Promise<never>(() => setInterval(() => undefined, 60_000));

async function main(): Promise<void> {
  const [mode, marker] = process.argv.slice(2);
  const config = loadConfig();
  const orm = await MikroORM.init(mikroOrmOptions({ ...config, DATABASE_POOL_MAX: 2 }));
  const event = integrationEvent('test.OutboxProbe', { marker });
  const write = () => (orm.em.fork() as EntityManager).transactional((em) => new Outbox().append(em, event));

  if (mode === 'before-handoff') {
    console.log('READY');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
    await write();
    console.log(`WRITTEN ${event.id}`);
    return forever();
  }

  await write();
  console.log(`WRITTEN ${event.id}`);
  class HangingJobQueue extends JobQueue {
    override async addBulk<N extends JobName>(name: N, items: { payload: JobPayload<N> }[]): Promise<void> {
      await super.addBulk(name, items);
      console.log(`HANDED_OFF ${items.map((i) => (i.payload as { id: string }).id).join(',')}`);
      return forever();
    }
  }
  const relay = new OutboxRelayService(orm, new HangingJobQueue(config, new RedisKeys(config)), config, true).relay;
  await relay.relayOnce();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(3);
});
