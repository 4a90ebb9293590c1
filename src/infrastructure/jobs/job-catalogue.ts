import { IntegrationEvent } from '../../shared-kernel/integration-event';

/**
 * The one typed job catalogue: every BullMQ job name, the queue it runs on, and its payload type.
 * Add a job here first; `JobQueue.add` and `@JobHandler` only accept names listed here.
 * Every job is idempotent: BullMQ delivers at least once.
 */
export const QUEUES = {
  /** Integration events handed over by the outbox relay. */
  events: 'integration-events',
  /** Sweeps and periodic housekeeping. */
  maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface JobCatalogue {
  /** Deliver one integration event to every consumer that subscribed to its type (inbox-deduplicated). */
  'messaging.deliver-event': IntegrationEvent;
  /** Remove consumed inbox rows and dispatched outbox rows past their retention. */
  'messaging.prune': { olderThanDays: number };
}
export type JobName = keyof JobCatalogue;
export type JobPayload<N extends JobName> = JobCatalogue[N];

export const JOB_QUEUE: { readonly [N in JobName]: QueueName } = {
  'messaging.deliver-event': QUEUES.events,
  'messaging.prune': QUEUES.maintenance,
};

/** Per-queue worker settings. CPU-heavy queues get concurrency 1 and run best in `npm run worker`. */
export const QUEUE_SETTINGS: { readonly [Q in QueueName]: { concurrency: number } } = {
  'integration-events': { concurrency: 16 },
  maintenance: { concurrency: 2 },
};
