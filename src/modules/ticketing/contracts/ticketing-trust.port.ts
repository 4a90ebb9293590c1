import type { TrustedKey } from './verification/verify-barcode';

/**
 * What Access Control (and scanner clients through it) needs to check barcodes offline: an event's trusted public
 * keys and its revocation list, with a version for incremental sync. Versions are decimal strings of a monotonic
 * sequence shared by key changes and revocations; pass the last version you saw to `changesSince`.
 */
export interface EventTrustSnapshot {
  eventId: string;
  version: string;
  /** Active and retired keys (barcodes signed with a compromised key are no longer trusted). */
  keys: TrustedKey[];
  /** revocationKey(ticketId, issue) of every revoked barcode of the event. */
  revoked: string[];
}

export interface EventTrustChanges {
  eventId: string;
  fromVersion: string;
  version: string;
  /** The complete current key list (small) whenever a key changed since fromVersion, else null. */
  keys: TrustedKey[] | null;
  /** Revocations added since fromVersion. */
  revoked: string[];
}

export interface TicketingTrustPort {
  /** Throws DomainError TICKETING.EVENT_NOT_FOUND (404) when the event has no tickets/keys of this organizer. */
  snapshot(organizerId: string, eventId: string): Promise<EventTrustSnapshot>;
  changesSince(organizerId: string, eventId: string, version: string): Promise<EventTrustChanges>;
}

/** DI token: `@Inject(TICKETING_TRUST) trust: TicketingTrustPort` (provided globally by the ticketing module). */
export const TICKETING_TRUST = Symbol('TicketingTrustPort');
