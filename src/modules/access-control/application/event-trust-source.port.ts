/**
 * Port: the public signing keys of an event's barcodes (owned by Ticketing). Access Control never sees private keys;
 * revocations reach it as integration events (ticketing.TrustChanged, sales.OrderCancelled/Refunded) and are kept in
 * its own table. The adapter in infrastructure/ delegates to Ticketing's contract.
 */
export interface EventPublicKey {
  keyId: number;
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
}

export interface EventTrustSource {
  /** Every key a barcode of this event may carry (active and retired, not compromised). Empty when none. */
  publicKeys(organizerId: string, eventId: string): Promise<EventPublicKey[]>;
}

export const EVENT_TRUST_SOURCE = Symbol('EventTrustSource');
