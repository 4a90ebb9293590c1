import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../../shared-kernel/domain-error';
import { TICKETING_TRUST, TicketingTrustPort } from '../../ticketing/contracts';
import { EventPublicKey, EventTrustSource } from '../application/event-trust-source.port';

/** Adapter: an event's public keys from Ticketing's trust port (its only entry point for us besides events). */
@Injectable()
export class TicketingTrustAdapter implements EventTrustSource {
  constructor(@Inject(TICKETING_TRUST) private readonly ticketing: TicketingTrustPort) {}

  async publicKeys(organizerId: string, eventId: string): Promise<EventPublicKey[]> {
    try {
      const snap = await this.ticketing.snapshot(organizerId, eventId);
      return snap.keys.filter((k) => k.eventId.toLowerCase() === eventId.toLowerCase()).map((k) => ({ keyId: k.keyId, publicKey: k.publicKey }));
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'not-found') return [];
      throw e;
    }
  }
}
