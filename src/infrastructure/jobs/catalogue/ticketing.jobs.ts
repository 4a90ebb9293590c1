import type { QueueName } from '../queues';

/**
 * Jobs owned by the ticketing module: name → payload type, and name → queue. Names are 'ticketing.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TicketingJobs {}

export const ticketingJobQueues: { readonly [N in keyof TicketingJobs]: QueueName } = {};
