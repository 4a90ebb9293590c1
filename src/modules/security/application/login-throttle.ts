import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { RedisKeys, REDIS } from '../../../infrastructure/redis/redis.module';
import { DomainError } from '../../../shared-kernel/domain-error';
import { sha256 } from './credential-hash';

/**
 * Brute-force protection shared by all instances (state in Redis, fixed windows of LOGIN_WINDOW_S):
 * - per client address: more than LOGIN_MAX_FAILURES failures → 429 for the rest of the window;
 * - per account: the same, but an address from which this account has logged in successfully before ("known
 *   address", remembered 30 days) is judged by its own per-address counter only. An attacker elsewhere can thus
 *   hold the account closed for strangers for at most one window at a time, while its owner keeps logging in.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private k(kind: string, value: string): string {
    return this.keys.key('login', kind, sha256(value.toLowerCase()).toString('base64url').slice(0, 22));
  }

  /** Throws 429 when the account or the address is over the limit. Call before checking the password. */
  async assertAllowed(account: string, address: string): Promise<void> {
    const known = await this.redis.exists(this.k('known', `${account}|${address}`));
    const keys = known
      ? [this.k('pair', `${account}|${address}`), this.k('addr', address)]
      : [this.k('acct', account), this.k('addr', address)];
    const counts = await this.redis.mget(...keys);
    if (counts.some((c) => Number(c ?? 0) >= this.config.LOGIN_MAX_FAILURES)) {
      const ttls = await Promise.all(keys.map((key) => this.redis.pttl(key)));
      const retry = Math.max(1, Math.ceil(Math.max(...ttls) / 1000));
      throw new DomainError('SECURITY.LOGIN_RATE_LIMITED', `too many failed logins; try again in ${retry} s`, 'rate-limited', {
        retryAfterSeconds: retry,
      });
    }
  }

  async recordFailure(account: string, address: string): Promise<void> {
    const window = this.config.LOGIN_WINDOW_S;
    const m = this.redis.multi();
    for (const key of [this.k('acct', account), this.k('addr', address), this.k('pair', `${account}|${address}`)]) {
      m.incr(key).expire(key, window, 'NX');
    }
    await m.exec();
  }

  async recordSuccess(account: string, address: string): Promise<void> {
    await this.redis
      .multi()
      .set(this.k('known', `${account}|${address}`), '1', 'EX', 30 * 86400)
      .del(this.k('pair', `${account}|${address}`))
      .exec();
  }
}
