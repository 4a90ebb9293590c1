import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import Redis, { RedisOptions } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';

/** The shared Redis client for commands (rate limits, caches, pub). Keys are prefixed with REDIS_KEY_PREFIX. */
export const REDIS = Symbol('Redis');

export function redisOptions(config: Pick<AppConfig, 'REDIS_URL'>, extra: RedisOptions = {}): RedisOptions {
  const url = new URL(config.REDIS_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectTimeout: 3000,
    // Retry forever with a short back-off: Redis restarts must not kill the service (readiness reports it meanwhile).
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  };
}

/** Connection settings for BullMQ queues and workers (blocking connections need maxRetriesPerRequest: null). */
export function bullConnection(config: Pick<AppConfig, 'REDIS_URL'>): BullRedisOptions {
  return redisOptions(config, { maxRetriesPerRequest: null }) as BullRedisOptions;
}

/** Key builder: every key this service writes starts with the configured prefix (one Redis, several stacks/tests). */
@Injectable()
export class RedisKeys {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}
  key(...parts: string[]): string {
    return [this.config.REDIS_KEY_PREFIX, ...parts].join(':');
  }
  get bullPrefix(): string {
    return `${this.config.REDIS_KEY_PREFIX}:bull`;
  }
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const client = new Redis(redisOptions(config, { maxRetriesPerRequest: 2, enableOfflineQueue: true }));
        const log = new Logger('Redis');
        let lastError = '';
        client.on('error', (e: Error) => {
          // One line per distinct failure, not a stack trace per retry.
          if (e.message !== lastError) log.error(`Redis unreachable at ${config.REDIS_URL}: ${e.message}`);
          lastError = e.message;
        });
        client.on('ready', () => (lastError = ''));
        return client;
      },
    },
    RedisKeys,
    RedisLifecycle,
  ],
  exports: [REDIS, RedisKeys],
})
export class RedisModule {}
