import { QUEUES, type QueueName } from '../queues';

/**
 * Jobs owned by the security module: name → payload type, and name → queue. Names are 'security.<verb>'.
 * Payloads are plain JSON (ids, not entities). Every job is idempotent: BullMQ delivers at least once.
 */
export interface SecurityJobs {
  /** Sign and publish a new CRL of the platform CA (on every revocation, and on a schedule before nextUpdate). */
  'security.pki.publish-crl': { reason: string };
  /** Compare every directory-bound user with the directory; disable/re-enable as it says. */
  'security.directory.sync': Record<string, never>;
}

export const securityJobQueues: { readonly [N in keyof SecurityJobs]: QueueName } = {
  'security.pki.publish-crl': QUEUES.pki,
  'security.directory.sync': QUEUES.maintenance,
};
