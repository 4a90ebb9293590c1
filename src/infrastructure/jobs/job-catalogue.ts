import { IntegrationEvent } from '../../shared-kernel/integration-event';
import { AccessControlJobs, accessControlJobQueues } from './catalogue/access-control.jobs';
import { EscrowJobs, escrowJobQueues } from './catalogue/escrow.jobs';
import { OperationsJobs, operationsJobQueues } from './catalogue/operations.jobs';
import { SalesJobs, salesJobQueues } from './catalogue/sales.jobs';
import { SecurityJobs, securityJobQueues } from './catalogue/security.jobs';
import { TicketingJobs, ticketingJobQueues } from './catalogue/ticketing.jobs';
import { QUEUES, QueueName } from './queues';

export { QUEUES, QUEUE_SETTINGS } from './queues';
export type { QueueName } from './queues';

/**
 * The one typed job catalogue: every BullMQ job name, the queue it runs on, and its payload type.
 * Infrastructure jobs are listed here; each module lists its own in `catalogue/<module>.jobs.ts`.
 * `JobQueue.add` and `@JobHandler` only accept names listed in the catalogue.
 * Every job is idempotent: BullMQ delivers at least once.
 */
interface InfrastructureJobs {
  /** Deliver one integration event to every consumer that subscribed to its type (inbox-deduplicated). */
  'messaging.deliver-event': IntegrationEvent;
  /** Remove consumed inbox rows and dispatched outbox rows past their retention. */
  'messaging.prune': { olderThanDays: number };
}

export interface JobCatalogue
  extends InfrastructureJobs,
    SalesJobs,
    EscrowJobs,
    TicketingJobs,
    AccessControlJobs,
    SecurityJobs,
    OperationsJobs {}
export type JobName = keyof JobCatalogue;
export type JobPayload<N extends JobName> = JobCatalogue[N];

export const JOB_QUEUE: { readonly [N in JobName]: QueueName } = {
  'messaging.deliver-event': QUEUES.events,
  'messaging.prune': QUEUES.maintenance,
  ...salesJobQueues,
  ...escrowJobQueues,
  ...ticketingJobQueues,
  ...accessControlJobQueues,
  ...securityJobQueues,
  ...operationsJobQueues,
};
