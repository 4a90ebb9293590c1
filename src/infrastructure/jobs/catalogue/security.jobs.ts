import type { QueueName } from '../queues';

/**
 * Jobs owned by the security module: name → payload type, and name → queue. Names are 'security.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SecurityJobs {}

export const securityJobQueues: { readonly [N in keyof SecurityJobs]: QueueName } = {};
