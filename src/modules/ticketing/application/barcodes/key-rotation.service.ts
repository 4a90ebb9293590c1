import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import { integrationEvent, Outbox } from '../../../../infrastructure/messaging/outbox';
import { TICKETING_EVENTS } from '../../contracts/ticketing-events';
import { SigningKeyStore } from '../../infrastructure/signing-key-store';
import { BarcodeIssuer } from './barcode-issuer';

/**
 * Rotates an event's signing key. Retired keys stay trusted for barcodes already printed; a compromised key is
 * dropped from the trust list and every valid barcode it signed is revoked (those tickets need a reprint).
 */
@Injectable()
export class KeyRotationService {
  constructor(
    private readonly orm: MikroORM,
    private readonly keys: SigningKeyStore,
    private readonly issuer: BarcodeIssuer,
    private readonly outbox: Outbox,
  ) {}

  rotate(organizerId: string, eventId: string, compromised: boolean) {
    return (this.orm.em.fork() as EntityManager).transactional(async (em) => {
      const r = await this.keys.rotate(em, organizerId, eventId, compromised);
      let revoked: string[] = [];
      if (compromised && r.previousKeyId) {
        const affected = await runSql<{ ticket_id: string }>(
          em,
          `select ticket_id from ticketing.barcode where event_id = ? and key_id = ? and status = 'valid'`,
          [eventId, r.previousKeyId],
        );
        revoked = await this.issuer.revokeCurrent(em, organizerId, affected.map((a) => a.ticket_id), 'signing key compromised');
      }
      const [v] = await runSql<{ version: string }>(em, `select max(version)::text as version from ticketing.signing_key where event_id = ?`, [eventId]);
      await this.outbox.append(
        em,
        integrationEvent(TICKETING_EVENTS.TrustChanged, { organizerId, eventId, version: v.version, revoked: [], keysChanged: true }, organizerId),
      );
      return { eventId, activeKeyId: r.keyId, previousKeyId: r.previousKeyId, previousStatus: r.previousKeyId ? (compromised ? 'compromised' : 'retired') : null, revokedBarcodes: revoked.length };
    });
  }
}
