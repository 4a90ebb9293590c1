import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { IntegrationEvent } from '../../shared-kernel/integration-event';
import { runSql } from '../database/sql';
import { JobHandler, JobProcessor } from '../jobs/job-handler.decorator';
import {
  EVENT_SUBSCRIPTION,
  EventSubscription,
  IntegrationEventConsumer,
} from './integration-event-handler.decorator';

interface Subscriber extends EventSubscription {
  instance: IntegrationEventConsumer;
}

/**
 * Delivers an integration event to each subscribed consumer, each in its own transaction with its inbox row.
 * A consumer that already processed the event id is skipped; if one consumer fails the job is retried and only the
 * unfinished consumers run again.
 */
@Injectable()
@JobHandler('messaging.deliver-event')
export class IntegrationEventDispatcher implements JobProcessor<'messaging.deliver-event'>, OnApplicationBootstrap {
  private readonly byType = new Map<string, Subscriber[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly orm: MikroORM,
  ) {}

  onApplicationBootstrap(): void {
    const seen = new Set<string>();
    for (const w of this.discovery.getProviders()) {
      const sub: EventSubscription | undefined = w.metatype && Reflect.getMetadata(EVENT_SUBSCRIPTION, w.metatype);
      if (!sub || !w.instance) continue;
      if (seen.has(sub.consumer)) throw new Error(`duplicate integration event consumer name ${sub.consumer}`);
      seen.add(sub.consumer);
      const list = this.byType.get(sub.type) ?? [];
      list.push({ ...sub, instance: w.instance as IntegrationEventConsumer });
      this.byType.set(sub.type, list);
    }
  }

  consumersOf(type: string): string[] {
    return (this.byType.get(type) ?? []).map((s) => s.consumer);
  }

  async process(event: IntegrationEvent): Promise<{ delivered: string[]; skipped: string[] }> {
    const delivered: string[] = [];
    const skipped: string[] = [];
    for (const sub of this.byType.get(event.type) ?? []) {
      const done = await (this.orm.em.fork() as EntityManager).transactional(async (em) => {
        const fresh = await runSql(
          em,
          `insert into messaging.inbox (consumer, event_id, event_type) values (?, ?, ?)
           on conflict do nothing returning 1 as fresh`,
          [sub.consumer, event.id, event.type],
        );
        if (fresh.length === 0) return false;
        await sub.instance.handle(event, em);
        return true;
      });
      (done ? delivered : skipped).push(sub.consumer);
    }
    return { delivered, skipped };
  }
}
