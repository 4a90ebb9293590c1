import type { QueueName } from '../queues';

/**
 * Jobs owned by the sales module: name → payload type, and name → queue. Names are 'sales.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
export interface SalesJobs {
  /** Return the places of holds that expired (emits sales.SeatsReleased). Correctness never depends on it. */
  'sales.sweep-expired-holds': { batchSize: number };
  /** Expire pending-payment orders past their deadline (emits sales.OrderExpired + sales.SeatsReleased). */
  'sales.expire-unpaid-orders': { batchSize: number };
}

export const salesJobQueues: { readonly [N in keyof SalesJobs]: QueueName } = {
  'sales.sweep-expired-holds': 'maintenance',
  'sales.expire-unpaid-orders': 'maintenance',
};
