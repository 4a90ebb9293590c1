import type { QueueName } from '../queues';

/**
 * Jobs owned by the escrow module: name → payload type, and name → queue. Names are 'escrow.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EscrowJobs {}

export const escrowJobQueues: { readonly [N in keyof EscrowJobs]: QueueName } = {};
