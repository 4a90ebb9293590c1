import { Client } from 'pg';
import { JobQueue } from '../../../src/infrastructure/jobs/jobs.module';
import { createIsolatedDatabase, TestApp, uniq } from '../../support/app-harness';
import { eventually, spawnTs } from './support/processes';

// Generous for a loaded machine (app boot, migrations, child processes through ts-node); a passing run is far faster.
jest.setTimeout(180_000);

/**
 * WORKERS_IN_PROCESS=false: the API only writes (outbox rows, jobs); a separate `npm run worker` process
 * (src/worker.ts) relays the outbox and runs the jobs. Own database and Redis prefix, so no other suite's workers help.
 */
describe('worker mode: API without workers + npm run worker', () => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let sql: Client;
  const prefix = `${process.env.REDIS_KEY_PREFIX}-worker-${uniq()}`;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    t = await TestApp.start({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: prefix, WORKERS_IN_PROCESS: 'false' });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await t?.close();
    await db?.drop();
  });

  it('apiWithoutWorkers_onlyWrites_thenTheWorkerProcessRelaysAndRunsJobs', async () => {
    // An integration event (Security → Sales' party directory) and a maintenance job, both written by the API process.
    const org = await t.post('/organizations', { kind: 'presale-office', name: `Worker mode ${uniq()}` }, await t.adminToken());
    expect(org.status).toBe(201);
    const { rows: old } = await sql.query(
      `insert into messaging.outbox (id, type, occurred_at, payload, dispatched_at)
       values (gen_random_uuid(), 'test.Old', now() - interval '30 days', '{}', now() - interval '30 days') returning id`,
    );
    const job = await t.app.get(JobQueue).add('messaging.prune', { olderThanDays: 14 });

    const party = async () => (await sql.query('select name from sales.party where organization_id = $1', [org.body.id])).rows.length;
    const oldRow = async () => (await sql.query('select 1 from messaging.outbox where id = $1', [old[0].id])).rows.length;
    await new Promise((r) => setTimeout(r, 500));
    // nothing in the API process relays or works
    expect(await party()).toBe(0);
    expect(await job.getState()).toBe('waiting');
    expect((await sql.query('select dispatched_at from messaging.outbox where payload->>$1 = $2', ['organizationId', org.body.id])).rows).toEqual([
      { dispatched_at: null },
    ]);

    const worker = spawnTs('src/worker.ts', { DATABASE_URL: db.url, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn', OUTBOX_POLL_MS: '50', BOOTSTRAP_ADMIN_EMAIL: '', BOOTSTRAP_ADMIN_PASSWORD: '' });
    try {
      await worker.waitFor(/ProTicket worker running/, 150_000);
      await eventually(async () => (await party()) === 1, 60_000);
      await eventually(async () => (await job.getState()) === 'completed', 60_000);
      expect(await oldRow()).toBe(0);
      // The worker also schedules its own daily prune at boot, which may run first and take the row: across all prune
      // runs the row was deleted exactly once.
      const prunes = (await t.app.get(JobQueue).queue('maintenance').getJobs(['completed'])).filter((j) => j.name === 'messaging.prune');
      expect(prunes.map((j) => j.id)).toContain(job.id);
      expect(prunes.reduce((sum, j) => sum + Number(j.returnvalue?.outbox ?? 0), 0)).toBe(1);

      worker.child.kill('SIGTERM');
      const exit = await worker.exitWithin(20_000);
      expect(exit).toMatchObject({ code: 0, signal: null });
    } finally {
      worker.kill('SIGKILL');
    }
  }, 300_000);
});
