import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Controller, Get, Inject, Injectable } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { Public } from '../http/route-access';
import { REDIS } from '../redis/redis.module';
import { ShutdownState } from './shutdown-state';

/** Races `p` against a timer that is cleared afterwards (a pending timer would keep the process alive for `ms`). */
const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
};

@Injectable()
export class ReadinessIndicators {
  private migrationsOkUntil = 0;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly orm: MikroORM,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly shutdown: ShutdownState,
  ) {}

  async postgres() {
    const s = this.indicators.check('postgres');
    try {
      await withTimeout((this.orm.em.fork() as EntityManager).getConnection().execute('select 1'), 2000, 'query');
      return s.up();
    } catch (e) {
      return s.down({ message: (e as Error).message });
    }
  }

  async redisPing() {
    const s = this.indicators.check('redis');
    try {
      await withTimeout(this.redis.ping(), 2000, 'PING');
      return s.up();
    } catch (e) {
      return s.down({ message: (e as Error).message });
    }
  }

  async migrations() {
    const s = this.indicators.check('migrations');
    if (Date.now() < this.migrationsOkUntil) return s.up();
    try {
      const pending = await withTimeout(this.orm.getMigrator().getPendingMigrations(), 3000, 'migration check');
      if (pending.length > 0) return s.down({ pending: pending.map((m) => m.name) });
      this.migrationsOkUntil = Date.now() + 30_000; // migrations only move forward while we run
      return s.up();
    } catch (e) {
      return s.down({ message: (e as Error).message });
    }
  }

  accepting() {
    const s = this.indicators.check('accepting');
    return this.shutdown.isShuttingDown ? s.down({ message: 'shutting down' }) : s.up();
  }
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly checks: ReadinessIndicators,
  ) {}

  /** The process is alive (no dependency checks: a DB outage must not get the instance killed). */
  @Get('live')
  @Public()
  @ApiOkResponse({ description: 'alive' })
  live() {
    return { status: 'ok' };
  }

  /** Ready to take traffic: PostgreSQL, Redis, all migrations applied, not shutting down. */
  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'a dependency is down, migrations are pending, or the instance is draining' })
  ready() {
    return this.health.check([
      () => this.checks.accepting(),
      () => this.checks.postgres(),
      () => this.checks.redisPing(),
      () => this.checks.migrations(),
    ]);
  }
}
