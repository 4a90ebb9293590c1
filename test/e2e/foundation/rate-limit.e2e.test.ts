import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { REDIS } from '../../../src/infrastructure/redis/redis.module';
import { RateLimitCounters } from '../../../src/infrastructure/http/rate-limit';
import { TestApp } from '../../support/app-harness';
import { waitFor } from '../../support/wait';

jest.setTimeout(120_000);

/**
 * Anonymous write routes are rate limited per client address and route (RATE_LIMIT_PUBLIC_WRITES_PER_MIN, counters in
 * Redis): over the limit a 429 problem with a stable code and Retry-After, and the request does nothing.
 */
describe('public write rate limit (real HTTPS, counters in Redis)', () => {
  let t: TestApp;
  const LIMIT = 3;
  beforeAll(async () => {
    t = await TestApp.start({ RATE_LIMIT_PUBLIC_WRITES_PER_MIN: String(LIMIT) });
  });
  afterAll(() => t.close());

  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  // a different address for every test (counters live for the whole window, and a reused address starts over the limit)
  let next = Math.floor(Math.random() * 200);
  const addr = () => `203.0.113.${(next++ % 250) + 1}`;

  it('holdRoute_overTheLimitPerAddress_is429WithRetryAfter_otherAddressesAndReadsUnaffected', async () => {
    const ip = addr();
    const event = randomUUID();
    const hold = (headers: Record<string, string>) =>
      t.request('POST', `/shop/events/${event}/holds/quantity`, { body: { areaId: randomUUID(), quantity: 1 }, headers });
    for (let i = 0; i < LIMIT; i++) expect((await hold(from(ip))).status).toBe(404); // unknown event: a normal 4xx
    const limited = await hold(from(ip));
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(limited.body.code).toBe('HTTP.RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await hold(from(`198.51.100.${Math.floor(Math.random() * 250) + 1}`))).status).toBe(404);
    // a read of the storefront is not limited
    for (let i = 0; i < LIMIT + 2; i++) expect((await t.request('GET', '/shop/events', { headers: from(ip) })).status).toBe(200);
  });

  it('concurrentBurst_fromOneAddress_exactlyTheLimitPasses_countedInRedisWithTheWindow', async () => {
    // the increments of concurrent requests travel to Redis in batches: a burst must still count every request
    const ip = addr();
    const event = randomUUID();
    const statuses = await Promise.all(
      Array.from({ length: LIMIT + 9 }, () => t.request('POST', `/shop/events/${event}/holds/quantity`, { body: { areaId: randomUUID(), quantity: 1 }, headers: from(ip) }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s !== 429)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    const redis = t.app.get<Redis>(REDIS);
    const keys = await redis.keys(`${t.config.REDIS_KEY_PREFIX}:ratelimit:*${ip}`);
    expect(keys).toHaveLength(1);
    // counts decided locally reach Redis within RATE_LIMIT_SYNC_MS
    await waitFor('all 12 counted in Redis', async () => Number(await redis.get(keys[0])) === LIMIT + 9, 5_000, 20);
    const ttl = await redis.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('scannerEnrolment_bruteForce_isCutOffAfterTheLimit', async () => {
    const ip = addr();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const r = await t.request('POST', '/access-control/scanner/enrol', { body: { code: `WRONG-${i}`, name: 'x' }, headers: from(ip) });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, LIMIT).every((s) => s >= 400 && s < 500 && s !== 429)).toBe(true);
    expect(statuses.slice(LIMIT)).toEqual([429, 429]);
  });

  it('cardCheckout_isLimitedToo', async () => {
    const ip = addr();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push((await t.request('POST', '/escrow/card/checkouts', { body: { orderNumber: 'PT-NOPE', paymentReference: 'RF00' }, headers: from(ip) })).status);
    expect(statuses[LIMIT]).toBe(429);
    expect(statuses.slice(0, LIMIT)).not.toContain(429);
  });
  it('twoInstances_shareTheCounters_eachDecidesLocally_andLearnsTheOthersCountsWithinTheSyncInterval', async () => {
    // two instances' counters on the same Redis, as two API processes behind a load balancer
    const redis = t.app.get<Redis>(REDIS);
    const nameSpace = `${t.config.REDIS_KEY_PREFIX}:ratelimit-test-${randomUUID()}:`;
    const a = new RateLimitCounters(redis, { nameSpace, syncMs: 10_000 }); // flushed by hand below
    const b = new RateLimitCounters(redis, { nameSpace, syncMs: 10_000 });
    const incr = (c: RateLimitCounters) =>
      new Promise<{ current: number; ttl: number }>((resolve, reject) => c.incr(`${nameSpace}k`, 60_000, (e, r) => (e || !r ? reject(e) : resolve(r))));
    try {
      expect((await incr(a)).current).toBe(1); // a's first count goes to Redis before it is decided
      expect((await incr(a)).current).toBe(2); // then a counts here
      expect((await incr(a)).current).toBe(3);
      expect(Number(await redis.get(`${nameSpace}k`))).toBe(1); // not yet sent
      expect((await incr(b)).current).toBe(2); // b's first count: Redis knows a's first only
      const flushing = a.flush(); // a's two counts are on their way to Redis …
      expect((await incr(a)).current).toBe(4); // … and still count: 1 (Redis) + 2 (in flight) + 1
      await flushing;
      expect(Number(await redis.get(`${nameSpace}k`))).toBe(4);
      expect((await incr(b)).current).toBe(3); // decided here on b's last view of Redis (2) + its own count
      await b.flush(); // b's sync sends its count and learns a's
      expect(Number(await redis.get(`${nameSpace}k`))).toBe(5);
      const seen = await incr(b);
      expect(seen.current).toBe(6);
      expect(seen.ttl).toBeGreaterThan(50_000);
      expect(seen.ttl).toBeLessThanOrEqual(60_000);
      await Promise.all([a.flush(), b.flush()]);
      expect(Number(await redis.get(`${nameSpace}k`))).toBe(7); // every count of both instances, once
      const ttl = await redis.pttl(`${nameSpace}k`);
      expect(ttl).toBeGreaterThan(50_000);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await redis.del(`${nameSpace}k`);
    }
  });
});
