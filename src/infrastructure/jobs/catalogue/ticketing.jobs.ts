import type { QueueName } from '../queues';

/**
 * Jobs owned by the ticketing module: name → payload type, and name → queue. Names are 'ticketing.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
export interface TicketingJobs {
  /** Bind blanks + barcodes to the run's tickets (once, in one transaction), then render the A4 PDF. */
  'ticketing.print-run': { runId: string };
  /** Render an order's print@home PDF (barcodes issued once) and send it through the Delivery port. */
  'ticketing.deliver-home': { deliveryId: string };
  /** Safety net: picks up pending print@home deliveries and print runs whose job was lost. */
  'ticketing.sweep': { olderThanMs: number };
}

export const ticketingJobQueues: { readonly [N in keyof TicketingJobs]: QueueName } = {
  'ticketing.print-run': 'printing',
  'ticketing.deliver-home': 'printing',
  'ticketing.sweep': 'maintenance',
};
