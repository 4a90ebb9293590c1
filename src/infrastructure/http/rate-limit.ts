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
 * INCRBY per key with a fixed window that starts with the key's first count (as @fastify/rate-limit's RedisStore),
 * for a batch of keys in one call: KEYS = counters, ARGV = window ms and amount for each key, in pairs; returns the
 * count after the increment and the TTL (ms) per key. A key twice in one batch is counted twice, in order.
 */
const INCR_MANY = `
local out = {}
for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i - 1])
  local current = redis.call('INCRBY', KEYS[i], tonumber(ARGV[2 * i]))
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then redis.call('PEXPIRE', KEYS[i], window); ttl = window end
  out[2 * i - 1] = current
  out[2 * i] = ttl
end
return out`;

interface Increment {
  key: string;
  window: number;
  amount: number;
}

interface Count {
  current: number;
  ttl: number;
}

type IncrCallback = (err: unknown, res: Count | null) => void;

/** What this instance knows of one counter in its current window. */
interface Counter {
  /** Redis's count when last seen (every instance's increments up to then). */
  remote: number;
  /** Counted here, in flight to Redis. */
  flushing: number;
  /** Counted here, not yet sent. */
  local: number;
  window: number;
  resetAt: number;
}

export interface RateLimitCounterOptions {
  /** Redis key prefix of the counters. */
  nameSpace: string;
  /**
   * How often the counts made here are added to Redis (ms). 0: every increment goes to Redis before the request
   * is decided (batched with concurrent ones).
   */
  syncMs: number;
  /** Counters kept here at most; beyond, increments go to Redis directly. */
  maxKeys?: number;
}

/**
 * The rate limiter's counters (@fastify/rate-limit's store interface: `incr`, `child`), shared by every instance in
 * Redis with the same keys and fixed windows as the plugin's RedisStore, but without a Redis round trip per request:
 * - the first request of a key in a window (here) is counted in Redis before it is decided — so a new address's
 *   burst is counted exactly — and increments of concurrent requests travel together (one script call per batch);
 * - after that the instance decides locally on Redis's last count plus its own, and adds its own counts to Redis
 *   every `syncMs` (one script call for all keys counted since), learning the other instances' counts in the answer.
 * Exact within an instance. Across instances an instance learns the others' counts of a key with its next sync after it
 * counted that key, so each instance may let through at most one sync interval's requests of a key beyond the limit
 * (a burst from a new address is still counted exactly: it goes to Redis until Redis has answered once). The per-batch
 * Redis call was ~9 % of bench:reserve's throughput (docs/benchmarks.md, seventh session).
 * Keys of one call must be on one Redis node (no Redis Cluster).
 */
export class RateLimitCounters {
  private readonly counters = new Map<string, Counter>();
  private readonly incrMany: (n: number, ...args: (string | number)[]) => Promise<number[]>;
  private readonly direct: GroupCommit<Increment, Count>;
  private readonly timer: NodeJS.Timeout | null;
  private flushRunning: Promise<void> | null = null;
  private readonly maxKeys: number;

  constructor(
    redis: Redis,
    private readonly opts: RateLimitCounterOptions,
  ) {
    // EVALSHA (EVAL once per connection when Redis does not know the script yet); the first argument is the key count
    if (!('proticketIncrByMany' in redis)) redis.defineCommand('proticketIncrByMany', { lua: INCR_MANY });
    this.incrMany = (redis as unknown as { proticketIncrByMany: RateLimitCounters['incrMany'] }).proticketIncrByMany.bind(redis);
    this.direct = new GroupCommit<Increment, Count>({ maxBatch: 256, run: (batch) => this.send(batch) });
    this.maxKeys = opts.maxKeys ?? 100_000;
    this.timer = opts.syncMs > 0 ? setInterval(() => void this.flush(), opts.syncMs).unref() : null;
  }

  incr(key: string, window: number, cb: IncrCallback): void {
    const now = Date.now();
    const c = this.opts.syncMs > 0 ? this.counters.get(key) : undefined;
    if (c && now < c.resetAt) {
      c.local++;
      cb(null, { current: c.remote + c.flushing + c.local, ttl: c.resetAt - now });
      return;
    }
    this.direct.submitWithCallback('', { key, window, amount: 1 }, (err, res) => {
      if (res && this.opts.syncMs > 0) this.learn(key, window, res);
      cb(err, res);
    });
  }

  /** Adds the counts made here to Redis now (the timer calls it every syncMs; tests and shutdown call it directly). */
  flush(): Promise<void> {
    this.flushRunning ??= this.flushOnce().finally(() => (this.flushRunning = null));
    return this.flushRunning;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  private async flushOnce(): Promise<void> {
    const now = Date.now();
    const batch: { inc: Increment; counter: Counter }[] = [];
    for (const [key, c] of this.counters) {
      if (now >= c.resetAt) {
        this.counters.delete(key); // its window is over (counts not yet sent belonged to it)
        continue;
      }
      if (c.local > 0) {
        batch.push({ inc: { key, window: c.window, amount: c.local }, counter: c });
        c.flushing += c.local;
        c.local = 0;
      }
    }
    for (let i = 0; i < batch.length; i += 256) {
      const part = batch.slice(i, i + 256);
      try {
        const res = await this.send(part.map((p) => p.inc));
        part.forEach(({ inc, counter: c }, j) => {
          c.flushing -= inc.amount;
          c.remote = res[j].current - c.flushing;
          c.resetAt = Date.now() + res[j].ttl;
        });
      } catch {
        for (const { inc, counter: c } of part) {
          c.flushing -= inc.amount; // Redis unreachable: keep counting here, send again next time
          c.local += inc.amount;
        }
      }
    }
  }

  private learn(key: string, window: number, res: Count): void {
    const c = this.counters.get(key);
    const resetAt = Date.now() + res.ttl;
    if (c && Date.now() < c.resetAt) {
      c.remote = Math.max(c.remote, res.current - c.flushing);
    } else if (this.counters.size < this.maxKeys) {
      this.counters.set(key, { remote: res.current, flushing: 0, local: 0, window, resetAt });
    }
  }

  private async send(batch: Increment[]): Promise<Count[]> {
    const args: (string | number)[] = batch.map((b) => b.key);
    for (const b of batch) args.push(b.window, b.amount);
    const flat = await this.incrMany(batch.length, ...args);
    return batch.map((_, i) => ({ current: flat[2 * i], ttl: flat[2 * i + 1] }));
  }

  /** @fastify/rate-limit's store class over these counters (the plugin makes one child per route). */
  storeClass(): new () => unknown {
    const counters = this;
    const root = this.opts.nameSpace;
    class Store {
      // the plugin constructs the root store with its own settings (unused); children get their route's prefix
      prefix = root;
      incr(key: string, cb: IncrCallback, timeWindow: number): void {
        counters.incr(this.prefix + key, timeWindow, cb);
      }
      child(route: { routeInfo: { method: string; url: string } }): Store {
        const c = new Store();
        c.prefix = `${this.prefix}${route.routeInfo.method}${route.routeInfo.url}-`;
        return c;
      }
    }
    return Store;
  }
}

/**
 * Registers @fastify/rate-limit for the routes that opt in (global: false) with its counters in Redis (shared by every
 * instance, see RateLimitCounters; `syncMs` = RATE_LIMIT_SYNC_MS). The client address is Fastify's `req.ip` (X-Forwarded-For only from the trusted
 * proxies). Over the limit → 429 problem `HTTP.RATE_LIMITED` with Retry-After; the request does nothing.
 * Must run before the routes are registered (before app.init()). Limit 0: not registered at all.
 */
export async function registerPublicRateLimit(
  fastify: FastifyInstance,
  redis: Redis,
  keyPrefix: string,
  perMinute: number,
  syncMs: number,
): Promise<void> {
  if (perMinute <= 0) return;
  const counters = new RateLimitCounters(redis, { nameSpace: `${keyPrefix}:ratelimit:`, syncMs });
  fastify.addHook('onClose', (_instance, done) => void counters.close().finally(() => done()));
  await fastify.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    store: counters.storeClass() as never,
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
