import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type Redis from 'ioredis';
import { DomainError } from '../../shared-kernel/domain-error';
import { GroupCommit } from '../batching/group-commit';

/**
 * Route config that puts an anonymous write route under the public rate limit (per client address, per route, per
 * minute: RATE_LIMIT_PUBLIC_WRITES_PER_MIN). Use with Nest's `@RouteConfig(PUBLIC_WRITE_RATE_LIMIT)`.
 */
export const PUBLIC_WRITE_RATE_LIMIT = { rateLimit: {} } as const;

/**
 * INCR + PEXPIRE per key as @fastify/rate-limit's RedisStore does (a fixed window that starts with the first request),
 * for a batch of keys in one call: KEYS = counters, ARGV[i] = the window of KEYS[i] in ms; returns count, TTL per key.
 * A key twice in one batch is counted twice, in order.
 */
const INCR_MANY = `
local out = {}
for i = 1, #KEYS do
  local window = tonumber(ARGV[i])
  local current = redis.call('INCR', KEYS[i])
  local ttl = window
  if current == 1 then redis.call('PEXPIRE', KEYS[i], window) else ttl = redis.call('PTTL', KEYS[i]) end
  out[2 * i - 1] = current
  out[2 * i] = ttl
end
return out`;

interface Increment {
  key: string;
  window: number;
}

/**
 * The rate limiter's counter store (@fastify/rate-limit's store interface: `incr`, `child`): the same counters in
 * Redis as its RedisStore, shared by every instance, but the increments of concurrent requests travel together — one
 * script call per batch (GroupCommit: while one call is in flight the next requests queue and go out as the next
 * batch) instead of one round trip per request. Each round trip wakes Redis, and on a loaded 2-core machine the woken
 * Redis pre-empts the event loop: on the shop's hold routes that per-request round trip was ~15 % of the event loop's
 * time (bench:reserve profile, docs/benchmarks.md). Keys of one batch must be on one Redis node (no Redis Cluster).
 */
function batchedRedisStore(redis: Redis, nameSpace: string) {
  // EVALSHA (EVAL once per connection when Redis does not know the script yet); the first argument is the key count
  if (!('proticketIncrMany' in redis)) redis.defineCommand('proticketIncrMany', { lua: INCR_MANY });
  const incrMany = (redis as unknown as { proticketIncrMany(n: number, ...args: (string | number)[]): Promise<number[]> }).proticketIncrMany.bind(redis);
  const batches = new GroupCommit<Increment, { current: number; ttl: number }>({
    maxBatch: 256,
    run: async (batch) => {
      const flat = await incrMany(batch.length, ...batch.map((b) => b.key), ...batch.map((b) => b.window));
      return batch.map((_, i) => ({ current: flat[2 * i], ttl: flat[2 * i + 1] }));
    },
  });
  class Store {
    // the plugin constructs the root store with its own settings (unused); children get their route's prefix
    private prefix = nameSpace;
    incr(key: string, cb: (err: unknown, res: { current: number; ttl: number } | null) => void, timeWindow: number): void {
      batches.submitWithCallback('', { key: this.prefix + key, window: timeWindow }, cb);
    }
    child(route: { routeInfo: { method: string; url: string } }): Store {
      const c = new Store();
      c.prefix = `${this.prefix}${route.routeInfo.method}${route.routeInfo.url}-`;
      return c;
    }
  }
  return Store;
}

/**
 * Registers @fastify/rate-limit for the routes that opt in (global: false) with its counters in Redis (shared by every
 * instance; increments of concurrent requests batched into one script call, see batchedRedisStore). The client address is Fastify's `req.ip` (X-Forwarded-For only from the trusted
 * proxies). Over the limit → 429 problem `HTTP.RATE_LIMITED` with Retry-After; the request does nothing.
 * Must run before the routes are registered (before app.init()). Limit 0: not registered at all.
 */
export async function registerPublicRateLimit(fastify: FastifyInstance, redis: Redis, keyPrefix: string, perMinute: number): Promise<void> {
  if (perMinute <= 0) return;
  await fastify.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    store: batchedRedisStore(redis, `${keyPrefix}:ratelimit:`) as never,
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
