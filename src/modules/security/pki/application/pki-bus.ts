import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS, RedisKeys } from '../../../../infrastructure/redis/redis.module';

/** What one instance tells all others (Redis pub/sub): certificates whose cached checks must go, or a new CRL. */
export type PkiMessage = { type: 'revoked'; serials: string[]; userIds: string[] } | { type: 'crl'; number: string };

/**
 * Cross-instance notifications of the PKI. Pub/sub is fire-and-forget, so nothing depends on it alone: caches expire
 * within PKI_GUARD_CACHE_MS and the business listener also polls for a new CRL; the bus makes both immediate.
 */
@Injectable()
export class PkiBus implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('PkiBus');
  private subscriber?: Redis;
  private readonly handlers: ((m: PkiMessage) => void)[] = [];
  readonly channel: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    keys: RedisKeys,
  ) {
    this.channel = keys.key('security', 'pki');
  }

  onModuleInit(): void {
    const sub = this.redis.duplicate({ maxRetriesPerRequest: null });
    sub.on('error', () => undefined); // the shared client already reports Redis outages
    sub.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      let m: PkiMessage;
      try {
        m = JSON.parse(text) as PkiMessage;
      } catch {
        return;
      }
      this.deliver(m);
    });
    sub.subscribe(this.channel).catch((e: Error) => this.log.error(`cannot subscribe to ${this.channel}: ${e.message}`));
    this.subscriber = sub;
  }

  on(handler: (m: PkiMessage) => void): void {
    this.handlers.push(handler);
  }

  /** Applies the message here at once, then tells the other instances. */
  async publish(m: PkiMessage): Promise<void> {
    this.deliver(m);
    await this.redis.publish(this.channel, JSON.stringify(m)).catch((e: Error) => this.log.error(`publish failed (caches expire on their own): ${e.message}`));
  }

  private deliver(m: PkiMessage): void {
    for (const h of this.handlers) {
      try {
        h(m);
      } catch (e) {
        this.log.error(`PKI message handler failed: ${(e as Error).message}`);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
