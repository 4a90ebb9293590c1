import type { IntegrationEvent } from '../../../shared-kernel/integration-event';

/**
 * The trust data of an event changed: barcodes were revoked (reprint, re-issue, cancellation, refund) or a signing
 * key was added/retired/compromised. `version` is the new value of the event's trust version (see
 * TicketingTrustPort.changesSince); `revoked` lists revocationKey(ticketId, issue) strings added by this change.
 */
export type TrustChanged = IntegrationEvent<
  'ticketing.TrustChanged',
  { organizerId: string; eventId: string; version: string; revoked: string[]; keysChanged: boolean }
>;

export const TICKETING_EVENTS = { TrustChanged: 'ticketing.TrustChanged' } as const;
