import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import { DomainError } from '../../../../shared-kernel/domain-error';
import type { EventTrustChanges, EventTrustSnapshot, TicketingTrustPort } from '../../contracts/ticketing-trust.port';
import { revocationKey, TrustedKey } from '../../contracts/verification/verify-barcode';

/** Reads the trust data of an event straight from SQL (query side; implements the contracts' port). */
@Injectable()
export class TrustQuery implements TicketingTrustPort {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  private async keys(em: EntityManager, organizerId: string, eventId: string): Promise<{ keys: TrustedKey[]; maxVersion: bigint; any: boolean }> {
    const rows = await runSql<{ key_id: number; public_key: Buffer; status: string; version: string }>(
      em,
      `select key_id, public_key, status, version from ticketing.signing_key where event_id = ? and organizer_id = ? order by key_id`,
      [eventId, organizerId],
    );
    return {
      any: rows.length > 0,
      keys: rows.filter((r) => r.status !== 'compromised').map((r) => ({ eventId, keyId: r.key_id, publicKey: r.public_key.toString('base64url') })),
      maxVersion: rows.reduce((m, r) => (BigInt(r.version) > m ? BigInt(r.version) : m), 0n),
    };
  }

  private async exists(em: EntityManager, organizerId: string, eventId: string): Promise<boolean> {
    const r = await runSql(em, `select 1 from ticketing.ticket where event_id = ? and organizer_id = ? limit 1`, [eventId, organizerId]);
    return r.length > 0;
  }

  async snapshot(organizerId: string, eventId: string): Promise<EventTrustSnapshot> {
    const em = this.em();
    return em.transactional(async (tem) => {
      await runSql(tem, 'set transaction isolation level repeatable read');
      const k = await this.keys(tem, organizerId, eventId);
      if (!k.any && !(await this.exists(tem, organizerId, eventId))) throw DomainError.notFound('TICKETING.EVENT_NOT_FOUND', 'event');
      const rev = await runSql<{ ticket_id: string; issue: number; seq: string }>(
        tem,
        `select ticket_id, issue, seq from ticketing.revocation where event_id = ? and organizer_id = ? order by seq`,
        [eventId, organizerId],
      );
      const version = rev.reduce((m, r) => (BigInt(r.seq) > m ? BigInt(r.seq) : m), k.maxVersion);
      return { eventId, version: version.toString(), keys: k.keys, revoked: rev.map((r) => revocationKey(r.ticket_id, r.issue)) };
    });
  }

  async changesSince(organizerId: string, eventId: string, version: string): Promise<EventTrustChanges> {
    if (!/^\d{1,18}$/.test(version)) throw new DomainError('TICKETING.BAD_VERSION', 'version must be a decimal number', 'validation');
    const em = this.em();
    return em.transactional(async (tem) => {
      await runSql(tem, 'set transaction isolation level repeatable read');
      const k = await this.keys(tem, organizerId, eventId);
      if (!k.any && !(await this.exists(tem, organizerId, eventId))) throw DomainError.notFound('TICKETING.EVENT_NOT_FOUND', 'event');
      const rev = await runSql<{ ticket_id: string; issue: number; seq: string }>(
        tem,
        `select ticket_id, issue, seq from ticketing.revocation where event_id = ? and organizer_id = ? and seq > ?::bigint order by seq`,
        [eventId, organizerId, version],
      );
      const from = BigInt(version);
      let v = from;
      for (const r of rev) if (BigInt(r.seq) > v) v = BigInt(r.seq);
      if (k.maxVersion > v) v = k.maxVersion;
      return {
        eventId,
        fromVersion: version,
        version: v.toString(),
        keys: k.maxVersion > from ? k.keys : null,
        revoked: rev.map((r) => revocationKey(r.ticket_id, r.issue)),
      };
    });
  }
}
