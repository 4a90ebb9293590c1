import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { IntegrationEvent } from '../../shared-kernel/integration-event';

export const EVENT_SUBSCRIPTION = Symbol('EVENT_SUBSCRIPTION');

export interface EventSubscription {
  /** Event type, e.g. `security.OrganizationRegistered`. */
  type: string;
  /** Stable consumer name (`sales.channel-directory`): the inbox key. Never rename a live consumer. */
  consumer: string;
}

/**
 * Subscribes a provider to one integration event type. Its `handle` runs inside a transaction together with the
 * inbox row for (consumer, event id), so a redelivered event has no second effect. Turn the event into this
 * module's own command; do not reach into the publisher.
 */
export const OnIntegrationEvent = (type: string, consumer: string): ClassDecorator =>
  SetMetadata(EVENT_SUBSCRIPTION, { type, consumer } satisfies EventSubscription);

export interface IntegrationEventConsumer<E extends IntegrationEvent = IntegrationEvent> {
  handle(event: E, em: EntityManager): Promise<void>;
}
