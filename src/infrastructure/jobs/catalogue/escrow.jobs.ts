import type { QueueName } from '../queues';

/**
 * Jobs owned by the escrow module: name → payload type, and name → queue. Names are 'escrow.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
export interface EscrowJobs {
  /** Import an uploaded (already validated) bank statement; a second run of the same upload changes nothing. */
  'escrow.import-statement': { uploadId: string };
  /** Pay out every event that is due (same as POST /escrow/payout-runs); scheduled when ESCROW_PAYOUT_SCHEDULE_MS > 0. */
  'escrow.payout-run': Record<string, never>;
}

export const escrowJobQueues: { readonly [N in keyof EscrowJobs]: QueueName } = {
  'escrow.import-statement': 'payments',
  'escrow.payout-run': 'payments',
};
