/**
 * What a scanner shows. Pure TypeScript (no framework): the server and the scanner kit share it.
 *
 * - admitted: let the person in (or, for `direction: out`, see `exited`)
 * - already-inside: this ticket entered before (the answer carries when and at which gate)
 * - revoked: reprinted / re-issued / cancelled / refunded ticket, or a cancelled event
 * - wrong-event: a ticket of another event
 * - wrong-gate: a ticket whose category this gate does not admit
 * - not-yet-valid / expired: outside the ticket's validity window
 * - unknown: not a ProTicket barcode at all (garbage, truncated, other format)
 * - forged: looks like a ticket of this event but the signature (or key id) does not check out
 * - exited / not-inside: answers to an exit scan (entry/exit policy)
 */
export const VERDICTS = [
  'admitted',
  'already-inside',
  'revoked',
  'wrong-event',
  'wrong-gate',
  'not-yet-valid',
  'expired',
  'unknown',
  'forged',
  'exited',
  'not-inside',
] as const;
export type ScanVerdict = (typeof VERDICTS)[number];

/** Verdicts that let a person pass. */
export const PASSING: ReadonlySet<string> = new Set(['admitted', 'exited']);

export type ReentryPolicy = 'single' | 'entry-exit' | 'multiple';
export const REENTRY_POLICIES: readonly ReentryPolicy[] = ['single', 'entry-exit', 'multiple'];

export type Direction = 'in' | 'out';

/** Ticketing's verification reasons → the scanner's verdict (see ticketing contracts/verification). */
export function verdictForRejection(reason: string): ScanVerdict {
  switch (reason) {
    case 'MALFORMED':
      return 'unknown';
    case 'UNKNOWN_KEY':
    case 'BAD_SIGNATURE':
      return 'forged';
    case 'WRONG_EVENT':
      return 'wrong-event';
    case 'REVOKED':
      return 'revoked';
    case 'NOT_YET_VALID':
      return 'not-yet-valid';
    case 'EXPIRED':
      return 'expired';
    default:
      return 'unknown';
  }
}
