/** The BullMQ queues. CPU-heavy queues (printing, pki, backups) get concurrency 1 and run best in `npm run worker`. */
export const QUEUES = {
  /** Integration events handed over by the outbox relay. */
  events: 'integration-events',
  /** Sweeps and periodic housekeeping. */
  maintenance: 'maintenance',
  /** Ticket print runs and print@home PDFs. */
  printing: 'printing',
  /** Bank statement imports and payouts. */
  payments: 'payments',
  /** Certificate revocation lists and PKI housekeeping. */
  pki: 'pki',
  /** Backups, restore drills. */
  backups: 'backups',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const QUEUE_SETTINGS: { readonly [Q in QueueName]: { concurrency: number } } = {
  'integration-events': { concurrency: 16 },
  maintenance: { concurrency: 2 },
  printing: { concurrency: 1 },
  payments: { concurrency: 1 },
  pki: { concurrency: 1 },
  backups: { concurrency: 1 },
};
