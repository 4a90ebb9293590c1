import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type Redis from 'ioredis';
import { DomainError } from '../../shared-kernel/domain-error';

/**
 * Route config that puts an anonymous write route under the public rate limit (per client address, per route, per
 * minute: RATE_LIMIT_PUBLIC_WRITES_PER_MIN). Use with Nest's `@RouteConfig(PUBLIC_WRITE_RATE_LIMIT)`.
 */
export const PUBLIC_WRITE_RATE_LIMIT = { rateLimit: {} } as const;

/**
 * Registers @fastify/rate-limit for the routes that opt in (global: false) with its counters in Redis (one Lua call per
 * request, shared by every instance). The client address is Fastify's `req.ip` (X-Forwarded-For only from the trusted
 * proxies). Over the limit → 429 problem `HTTP.RATE_LIMITED` with Retry-After; the request does nothing.
 * Must run before the routes are registered (before app.init()). Limit 0: not registered at all.
 */
export async function registerPublicRateLimit(fastify: FastifyInstance, redis: Redis, keyPrefix: string, perMinute: number): Promise<void> {
  if (perMinute <= 0) return;
  await fastify.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    redis,
    nameSpace: `${keyPrefix}:ratelimit:`,
    skipOnError: false,
    keyGenerator: (req) => req.ip,
    errorResponseBuilder: (_req, ctx) => {
      const retry = Math.max(1, Math.ceil(ctx.ttl / 1000));
      return Object.assign(
        new DomainError('HTTP.RATE_LIMITED', `too many requests from this address: at most ${ctx.max} per minute; try again in ${retry} s`, 'rate-limited', {
          retryAfterSeconds: retry,
        }),
        { statusCode: 429 },
      );
    },
  });
}
