import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { runSql } from '../../../../infrastructure/database/sql';
import { integrationEvent, Outbox } from '../../../../infrastructure/messaging/outbox';
import { DomainError } from '../../../../shared-kernel/domain-error';
import { newId } from '../../../../shared-kernel/ids';
import { base45Encode } from '../../contracts/verification/base45';
import { encodeSignedPart, joinSigned } from '../../contracts/verification/barcode-payload';
import { revocationKey } from '../../contracts/verification/verify-barcode';
import { TICKETING_EVENTS, TrustChanged } from '../../contracts/ticketing-events';
import { validityWindow } from '../../domain/validity';
import { SigningKey, SigningKeyStore } from '../../infrastructure/signing-key-store';
import { TicketingCrypto } from '../../infrastructure/ticketing-crypto';

export interface IssuedBarcode {
  ticketId: string;
  barcodeId: string;
  issue: number;
  code: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const barcodeAad = (barcodeId: string) => `ticketing.barcode/${barcodeId}`;

/**
 * Issues barcodes (at print time only) and revokes them. Works on many tickets in a handful of statements, inside
 * the caller's transaction: lock the tickets, revoke their current valid barcode (revocation list + change feed),
 * bump the issue number, sign a fresh record per ticket with the event's active Ed25519 key and insert the new
 * barcodes. The database refuses a barcode for an unpaid ticket (trigger) and a second valid one (partial index).
 */
@Injectable()
export class BarcodeIssuer {
  constructor(
    private readonly keys: SigningKeyStore,
    private readonly crypto: TicketingCrypto,
    private readonly outbox: Outbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(em: EntityManager, organizerId: string, ticketIds: string[], medium: 'stock' | 'home', revokeReason: string): Promise<Map<string, IssuedBarcode>> {
    const out = new Map<string, IssuedBarcode>();
    if (ticketIds.length === 0) return out;
    const tickets = await runSql<{ ticket_id: string; event_id: string; status: string; kind: 'seat' | 'ga'; seat_id: string | null; area_id: string | null; event_starts_at: Date }>(
      em,
      `select ticket_id, event_id, status, kind, seat_id, area_id, event_starts_at from ticketing.ticket
        where ticket_id = any(?::uuid[]) and organizer_id = ? order by ticket_id for update`,
      [ticketIds, organizerId],
    );
    if (tickets.length !== new Set(ticketIds).size) throw DomainError.notFound('TICKETING.TICKET_NOT_FOUND', 'ticket');
    const unpaid = tickets.find((t) => t.status !== 'paid');
    if (unpaid) throw new DomainError('TICKETING.TICKET_NOT_PAID', `ticket ${unpaid.ticket_id} is ${unpaid.status}: no barcode`, 'conflict');

    await this.revokeCurrent(em, organizerId, ticketIds, revokeReason);
    const issues = await runSql<{ ticket_id: string; last_issue: number }>(
      em,
      `update ticketing.ticket set last_issue = last_issue + 1 where ticket_id = any(?::uuid[]) returning ticket_id, last_issue`,
      [ticketIds],
    );
    const issueOf = new Map(issues.map((r) => [r.ticket_id, r.last_issue]));
    const keyOf = new Map<string, SigningKey>();
    const rows: Record<string, unknown>[] = [];
    for (const t of tickets) {
      let key = keyOf.get(t.event_id);
      if (!key) {
        key = await this.keys.active(em, organizerId, t.event_id);
        keyOf.set(t.event_id, key);
      }
      const { from, until } = validityWindow(new Date(t.event_starts_at), this.config.TICKETING_VALID_BEFORE_START_H, this.config.TICKETING_VALID_AFTER_START_H);
      const secret = this.crypto.secret();
      const placeRef = t.kind === 'seat' ? t.seat_id : t.area_id;
      const signed = encodeSignedPart({
        keyId: key.keyId,
        ticketId: t.ticket_id,
        issue: issueOf.get(t.ticket_id)!,
        eventId: t.event_id,
        placeKind: t.kind,
        placeId: placeRef && UUID.test(placeRef) ? placeRef.toLowerCase() : null,
        validFrom: from,
        validUntil: until,
        secret,
      });
      const code = base45Encode(joinSigned(signed, this.crypto.sign(key.key, signed)));
      const barcodeId = newId();
      out.set(t.ticket_id, { ticketId: t.ticket_id, barcodeId, issue: issueOf.get(t.ticket_id)!, code });
      rows.push({
        id: barcodeId,
        ticket_id: t.ticket_id,
        issue: issueOf.get(t.ticket_id),
        event_id: t.event_id,
        key_id: key.keyId,
        medium,
        secret_hash: this.crypto.sha256(secret).toString('hex'),
        code_enc: this.crypto.seal(Buffer.from(code, 'latin1'), barcodeAad(barcodeId)).toString('hex'),
        valid_from: from.toISOString(),
        valid_until: until.toISOString(),
      });
    }
    await runSql(
      em,
      `insert into ticketing.barcode (id, ticket_id, issue, event_id, key_id, medium, secret_hash, code_enc, valid_from, valid_until, status)
       select x.id, x.ticket_id, x.issue, x.event_id, x.key_id, x.medium, decode(x.secret_hash, 'hex'), decode(x.code_enc, 'hex'), x.valid_from, x.valid_until, 'valid'
         from jsonb_to_recordset(?::jsonb) as x(id uuid, ticket_id uuid, issue int, event_id uuid, key_id int, medium text, secret_hash text, code_enc text, valid_from timestamptz, valid_until timestamptz)`,
      [JSON.stringify(rows)],
    );
    return out;
  }

  /** Revokes the current valid barcode of each ticket (if any); returns the revocation keys added. */
  async revokeCurrent(em: EntityManager, organizerId: string, ticketIds: string[], reason: string): Promise<string[]> {
    const revoked = await runSql<{ seq: string; ticket_id: string; issue: number; event_id: string }>(
      em,
      `with r as (
         update ticketing.barcode b set status = 'revoked', revoked_at = now(), revoke_reason = ?
           from ticketing.ticket t
          where b.ticket_id = t.ticket_id and t.organizer_id = ? and b.ticket_id = any(?::uuid[]) and b.status = 'valid'
          returning b.id, b.ticket_id, b.issue, b.event_id)
       insert into ticketing.revocation (event_id, organizer_id, ticket_id, issue, barcode_id, reason)
       select event_id, ?, ticket_id, issue, id, ? from r
       returning seq, ticket_id, issue, event_id`,
      [reason, organizerId, ticketIds, organizerId, reason],
    );
    const byEvent = new Map<string, { version: bigint; keys: string[] }>();
    for (const r of revoked) {
      const e = byEvent.get(r.event_id) ?? { version: 0n, keys: [] };
      e.keys.push(revocationKey(r.ticket_id, r.issue));
      if (BigInt(r.seq) > e.version) e.version = BigInt(r.seq);
      byEvent.set(r.event_id, e);
    }
    const events: TrustChanged[] = [...byEvent].map(([eventId, e]) =>
      integrationEvent(TICKETING_EVENTS.TrustChanged, { organizerId, eventId, version: e.version.toString(), revoked: e.keys, keysChanged: false }, organizerId),
    );
    await this.outbox.append(em, ...events);
    return revoked.map((r) => revocationKey(r.ticket_id, r.issue));
  }

  /** The stored content of a barcode (to render it again after a crash, or a print@home re-download). */
  openCode(barcodeId: string, sealed: Buffer): string {
    return this.crypto.open(sealed, barcodeAad(barcodeId)).toString('latin1');
  }
}
