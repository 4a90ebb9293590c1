import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import { TicketingCrypto } from './ticketing-crypto';

export interface SigningKey {
  eventId: string;
  keyId: number;
  key: KeyObject;
}

const aad = (eventId: string, keyId: number) => `ticketing.signing_key/${eventId}/${keyId}`;

/**
 * Per-event Ed25519 signing keys. The private key is stored AES-256-GCM sealed (associated data = event + key id);
 * decrypted keys are cached in memory per (event, key id). One active key per event (partial unique index);
 * rotation retires it (still trusted for barcodes already printed) or marks it compromised (no longer trusted).
 */
@Injectable()
export class SigningKeyStore {
  private readonly cache = new Map<string, KeyObject>();

  constructor(private readonly crypto: TicketingCrypto) {}

  /** The event's active key, created on first use (race-safe: the partial unique index decides). */
  async active(em: EntityManager, organizerId: string, eventId: string): Promise<SigningKey> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const [row] = await runSql<{ key_id: number; private_key_enc: Buffer; organizer_id: string }>(
        em,
        `select key_id, private_key_enc, organizer_id from ticketing.signing_key where event_id = ? and status = 'active'`,
        [eventId],
      );
      if (row) {
        if (row.organizer_id !== organizerId) throw DomainError.notFound('TICKETING.EVENT_NOT_FOUND', 'event');
        return { eventId, keyId: row.key_id, key: this.decrypt(eventId, row.key_id, row.private_key_enc) };
      }
      await this.insertNext(em, organizerId, eventId, true);
    }
    throw new Error('could not create a signing key');
  }

  /**
   * Retires (or marks compromised) the active key and creates the next one. Returns the new key id. Rotations of one
   * event run one after another (a concurrent one would otherwise insert a second active key); an event that Sales
   * announced for another organizer, or whose keys are another organizer's, does not exist for the caller (404).
   */
  async rotate(em: EntityManager, organizerId: string, eventId: string, compromised: boolean): Promise<{ keyId: number; previousKeyId: number | null }> {
    await runSql(em, `select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`ticketing.signing_key/${eventId}`]);
    const foreign = await runSql(
      em,
      `select 1 from ticketing.event_owner where event_id = ? and organizer_id <> ?
       union all select 1 from ticketing.signing_key where event_id = ? and organizer_id <> ? limit 1`,
      [eventId, organizerId, eventId, organizerId],
    );
    if (foreign.length) throw DomainError.notFound('TICKETING.EVENT_NOT_FOUND', 'event');
    const prev = await runSql<{ key_id: number }>(
      em,
      `update ticketing.signing_key set status = ?, retired_at = now(), version = nextval('ticketing.trust_version_seq')
        where event_id = ? and organizer_id = ? and status = 'active' returning key_id`,
      [compromised ? 'compromised' : 'retired', eventId, organizerId],
    );
    const keyId = await this.insertNext(em, organizerId, eventId, false);
    return { keyId, previousKeyId: prev[0]?.key_id ?? null };
  }

  private async insertNext(em: EntityManager, organizerId: string, eventId: string, ifAbsent: boolean): Promise<number> {
    const { publicRaw, privateDer } = this.crypto.generateSigningKey();
    const [next] = await runSql<{ n: number }>(em, `select coalesce(max(key_id), 0) + 1 as n from ticketing.signing_key where event_id = ?`, [eventId]);
    const keyId = Number(next.n);
    const rows = await runSql(
      em,
      `insert into ticketing.signing_key (event_id, key_id, organizer_id, public_key, private_key_enc, status)
       values (?, ?, ?, ?, ?, 'active') ${ifAbsent ? 'on conflict do nothing' : ''} returning key_id`,
      [eventId, keyId, organizerId, publicRaw, this.crypto.seal(privateDer, aad(eventId, keyId))],
    );
    return rows.length ? keyId : 0;
  }

  private decrypt(eventId: string, keyId: number, sealed: Buffer): KeyObject {
    const id = `${eventId}/${keyId}`;
    let k = this.cache.get(id);
    if (!k) {
      k = this.crypto.privateKey(this.crypto.open(sealed, aad(eventId, keyId)));
      this.cache.set(id, k);
    }
    return k;
  }
}
