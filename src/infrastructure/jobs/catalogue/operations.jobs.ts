import type { QueueName } from '../queues';

/**
 * Jobs owned by the operations module: name → payload type, and name → queue. Names are 'operations.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface OperationsJobs {}

export const operationsJobQueues: { readonly [N in keyof OperationsJobs]: QueueName } = {};
