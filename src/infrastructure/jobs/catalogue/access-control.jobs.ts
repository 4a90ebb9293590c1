import type { QueueName } from '../queues';

/**
 * Jobs owned by the access-control module: name → payload type, and name → queue. Names are 'access-control.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AccessControlJobs {}

export const accessControlJobQueues: { readonly [N in keyof AccessControlJobs]: QueueName } = {};
