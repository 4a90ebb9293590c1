import { Controller, Get, Global, Header, Inject, Injectable, Module, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { DomainError } from '../../shared-kernel/domain-error';
import { Public } from '../http/route-access';
import { JobQueue } from '../jobs/jobs.module';

/** One Prometheus registry per app instance; modules register their own metrics on it. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;

  constructor(jobs: JobQueue) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'bullmq_queue_jobs',
      help: 'BullMQ jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        await Promise.all(
          jobs.allQueues().map(async (q) => {
            let timer: NodeJS.Timeout | undefined;
            try {
              const counts = await Promise.race([
                q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
                new Promise<never>((_, rej) => {
                  timer = setTimeout(() => rej(new Error('timeout')), 1000);
                }),
              ]).finally(() => clearTimeout(timer));
              for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
            } catch {
              /* Redis down: leave the last values; readiness reports the outage */
            }
          }),
        );
      },
    });
  }
}

@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Prometheus exposition. With METRICS_TOKEN set, the scraper must send `Authorization: Bearer <token>`. */
  @Get('metrics')
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(@Req() req: FastifyRequest): Promise<string> {
    const token = this.config.METRICS_TOKEN;
    if (token) {
      const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /i, ''));
      const want = Buffer.from(token);
      if (given.length !== want.length || !timingSafeEqual(given, want)) {
        throw new DomainError('SECURITY.METRICS_TOKEN_REQUIRED', 'a valid metrics bearer token is required', 'unauthenticated');
      }
    }
    return this.metrics.registry.metrics();
  }
}

@Global()
@Module({ providers: [Metrics], controllers: [MetricsController], exports: [Metrics] })
export class MetricsModule {}
