import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { JobsOptions, Queue, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { bullConnection, RedisKeys } from '../redis/redis.module';
import { JOB_QUEUE, JobName, JobPayload, QUEUE_SETTINGS, QUEUES, QueueName } from './job-catalogue';
import { JOB_HANDLER, JobProcessor } from './job-handler.decorator';

/** Whether this process runs BullMQ workers (API with WORKERS_IN_PROCESS=true, or `npm run worker`). */
export const RUN_WORKERS = Symbol('RUN_WORKERS');

const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Typed producer over the catalogue. */
@Injectable()
export class JobQueue implements OnApplicationShutdown {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
  ) {}

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: bullConnection(this.config),
        prefix: this.keys.bullPrefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      q.on('error', () => undefined); // reported by readiness and the Redis client; avoid unhandled 'error'
      this.queues.set(name, q);
    }
    return q;
  }

  allQueues(): Queue[] {
    return Object.values(QUEUES).map((n) => this.queue(n));
  }

  add<N extends JobName>(name: N, payload: JobPayload<N>, opts: JobsOptions = {}) {
    return this.queue(JOB_QUEUE[name]).add(name, payload, opts);
  }

  /** Adds many jobs of one name in chunks (BullMQ's addBulk is one MULTI; keep it ≤ 1,000). */
  async addBulk<N extends JobName>(name: N, items: { payload: JobPayload<N>; opts?: JobsOptions }[]): Promise<void> {
    const q = this.queue(JOB_QUEUE[name]);
    for (let i = 0; i < items.length; i += 1000) {
      await q.addBulk(items.slice(i, i + 1000).map((it) => ({ name, data: it.payload, opts: it.opts })));
    }
  }

  /** Idempotent schedule of a repeating job (one scheduler id per job, safe on every instance's start). */
  schedule<N extends JobName>(name: N, everyMs: number, payload: JobPayload<N>) {
    return this.queue(JOB_QUEUE[name]).upsertJobScheduler(`schedule:${name}`, { every: everyMs }, { name, data: payload });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
  }
}

/** Starts one BullMQ worker per queue and routes each job by name to its @JobHandler provider. */
@Injectable()
export class JobWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('JobWorkers');
  private readonly handlers = new Map<string, JobProcessor<JobName>>();
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_WORKERS) private readonly runWorkers: boolean,
    private readonly keys: RedisKeys,
    private readonly discovery: DiscoveryService,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const name = wrapper.metatype && Reflect.getMetadata(JOB_HANDLER, wrapper.metatype);
      if (!name || !wrapper.instance) continue;
      if (this.handlers.has(name)) throw new Error(`two handlers for job ${name}`);
      this.handlers.set(name, wrapper.instance as JobProcessor<JobName>);
    }
    if (!this.runWorkers) return;
    for (const queue of Object.values(QUEUES)) {
      const worker = new Worker(
        queue,
        async (job) => {
          const handler = this.handlers.get(job.name);
          if (!handler) throw new Error(`no handler registered for job ${job.name}`);
          return handler.process(job.data, job);
        },
        {
          connection: bullConnection(this.config),
          prefix: this.keys.bullPrefix,
          concurrency: QUEUE_SETTINGS[queue].concurrency,
        },
      );
      worker.on('failed', (job, err) => this.log.warn(`job ${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
      worker.on('error', (err) => this.log.error(`worker ${queue}: ${err.message}`));
      this.workers.push(worker);
    }
    this.log.log(`workers running for queues: ${Object.values(QUEUES).join(', ')}`);
  }

  /** Graceful: stop taking jobs, let active ones finish (BullMQ returns unfinished ones to the queue as stalled). */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close().catch(() => undefined)));
  }
}

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    JobQueue,
    JobWorkers,
    { provide: RUN_WORKERS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => c.WORKERS_IN_PROCESS },
  ],
  exports: [JobQueue, RUN_WORKERS],
})
export class JobsModule {}
