import type { QueueName } from '../queues';

/**
 * Jobs owned by the sales module: name → payload type, and name → queue. Names are 'sales.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SalesJobs {}

export const salesJobQueues: { readonly [N in keyof SalesJobs]: QueueName } = {};
