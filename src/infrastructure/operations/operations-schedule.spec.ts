import { loadConfig } from '../../../config/configuration';
import { SystemClock } from '../../shared-kernel/clock';
import type { JobQueue } from '../jobs/jobs.module';
import { MaintenanceWindow } from './maintenance-window.service';
import { OperationsSchedule } from './operations.jobs';
import type { OutboxRedriveService } from './outbox-redrive.service';

const make = (env: Record<string, string>, runWorkers = true) => {
  const config = loadConfig({ NODE_ENV: 'development', ...env });
  const redrive = { onRedisRestart: jest.fn() } as unknown as OutboxRedriveService;
  const schedule = new OperationsSchedule(config, runWorkers, {} as JobQueue, new MaintenanceWindow(config, new SystemClock()), redrive);
  return { schedule, redrive };
};

describe('operations schedule', () => {
  it('short backups every interval around the clock; heavy jobs as cron patterns inside the maintenance window', () => {
    const plan = make({}).schedule.plan();
    const byId = Object.fromEntries(plan.map((e) => [e.id, e.repeat]));
    expect(byId['operations.backup:short']).toEqual({ every: 900_000 });
    expect(byId['operations.backup:daily']).toEqual({ pattern: '0 2 * * *', tz: 'Europe/Berlin' });
    expect(byId['operations.backup:weekly']).toEqual({ pattern: '18 2 * * 0', tz: 'Europe/Berlin' });
    expect(byId['operations.backup:monthly']).toEqual({ pattern: '36 2 1 * *', tz: 'Europe/Berlin' });
    expect(byId['operations.restore-drill']).toEqual({ pattern: '12 3 * * 0', tz: 'Europe/Berlin' });
  });

  it('follows the configured window and interval', () => {
    const plan = make({ MAINTENANCE_WINDOW_START: '23:30', MAINTENANCE_WINDOW_END: '00:30', MAINTENANCE_WINDOW_TZ: 'UTC', BACKUP_SHORT_INTERVAL_S: '300', BACKUP_DRILL_ENABLED: 'false' }).schedule.plan();
    const byId = Object.fromEntries(plan.map((e) => [e.id, e.repeat]));
    expect(byId['operations.backup:short']).toEqual({ every: 300_000 });
    expect(byId['operations.backup:daily']).toEqual({ pattern: '30 23 * * *', tz: 'UTC' });
    expect(byId['operations.backup:monthly']).toEqual({ pattern: '42 23 1 * *', tz: 'UTC' });
    expect(byId['operations.restore-drill']).toBeUndefined();
  });

  it('is on in processes with workers (auto: not under NODE_ENV=test), and re-registers after a Redis restart', () => {
    expect(make({}).schedule.enabled).toBe(true);
    expect(make({}, false).schedule.enabled).toBe(false);
    expect(make({ NODE_ENV: 'test' }).schedule.enabled).toBe(false);
    expect(make({ NODE_ENV: 'test', BACKUP_SCHEDULE: 'on' }).schedule.enabled).toBe(true);
    expect(make({ BACKUP_SCHEDULE: 'off' }).schedule.enabled).toBe(false);
    const { redrive } = make({});
    expect(redrive.onRedisRestart).toHaveBeenCalledTimes(1);
  });
});

describe('heavy jobs and the maintenance window', () => {
  const { BackupJob } = jest.requireActual('./operations.jobs') as typeof import('./operations.jobs');
  const { DelayedError } = jest.requireActual('bullmq') as typeof import('bullmq');
  const at = (iso: string) => new MaintenanceWindow(loadConfig({}), { now: () => new Date(iso) });

  it('postpones a daily backup that starts outside the window to the next opening, runs short ones at once', async () => {
    const runs: string[] = [];
    const backups = { run: async (tier: string) => (runs.push(tier), { id: 'x', copies: [] }) };
    const job = { name: 'operations.backup', id: '1', token: 'tok', moveToDelayed: jest.fn() };
    const noon = new BackupJob(backups as never, at('2026-12-04T11:00:00Z'));
    await expect(noon.process({ tier: 'daily' }, job as never)).rejects.toBeInstanceOf(DelayedError);
    expect(job.moveToDelayed).toHaveBeenCalledWith(Date.parse('2026-12-05T01:00:00Z'), 'tok'); // 02:00 Berlin
    await noon.process({ tier: 'short' }, job as never);
    await noon.process({ tier: 'weekly', force: true }, job as never); // manual run: now
    const night = new BackupJob(backups as never, at('2026-12-05T01:30:00Z'));
    await night.process({ tier: 'daily' }, job as never);
    expect(runs).toEqual(['short', 'weekly', 'daily']);
    expect(job.moveToDelayed).toHaveBeenCalledTimes(1);
  });
});

describe('schedule registration against Redis', () => {
  it('registers every scheduler idempotently; heavy jobs are next due inside the window', async () => {
    const { JobQueue } = jest.requireActual('../jobs/jobs.module') as typeof import('../jobs/jobs.module');
    const { RedisKeys } = jest.requireActual('../redis/redis.module') as typeof import('../redis/redis.module');
    const { isInWindow } = jest.requireActual('./maintenance-window') as typeof import('./maintenance-window');
    const config = loadConfig({ ...process.env, NODE_ENV: 'development', REDIS_KEY_PREFIX: `pt-sched-${Date.now().toString(36)}` });
    const jobs = new JobQueue(config, new RedisKeys(config));
    const window = new MaintenanceWindow(config, new SystemClock());
    const schedule = new OperationsSchedule(config, true, jobs, window, { onRedisRestart: () => undefined } as unknown as OutboxRedriveService);
    try {
      await schedule.register();
      await schedule.register(); // every worker start: no duplicates
      const backups = await jobs.queue('backups').getJobSchedulers();
      const maintenance = await jobs.queue('maintenance').getJobSchedulers();
      expect(backups.map((s) => s.key).sort()).toEqual(
        ['operations.backup:daily', 'operations.backup:monthly', 'operations.backup:short', 'operations.backup:weekly', 'operations.restore-drill'].map((k) => `schedule:${k}`),
      );
      expect(maintenance.map((s) => s.key)).toEqual(['schedule:operations.check-backups']);
      for (const s of backups.filter((x) => x.key !== 'schedule:operations.backup:short')) {
        expect(isInWindow(new Date(s.next!), window.spec)).toBe(true);
      }
    } finally {
      for (const q of jobs.allQueues()) await q.obliterate({ force: true }).catch(() => undefined);
      await jobs.onApplicationShutdown();
    }
  });
});
