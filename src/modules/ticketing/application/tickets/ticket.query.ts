import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import { DomainError } from '../../../../shared-kernel/domain-error';
import type { Principal } from '../../../../shared-kernel/roles';
import { scopeOf } from '../scope';

/** A ticket as Ticketing knows it: state, every barcode issue (valid/revoked) and the blanks it was printed on. */
@Injectable()
export class TicketQuery {
  constructor(private readonly orm: MikroORM) {}

  async get(p: Principal, ticketId: string) {
    const em = this.orm.em.fork() as EntityManager;
    const scope = scopeOf(p);
    const [t] = await runSql<Record<string, any>>(
      em,
      `select ticket_id as "ticketId", organizer_id as "organizerId", event_id as "eventId", order_id as "orderId", order_number as "orderNumber",
              channel, office_id as "officeId", status, last_issue as "lastIssue", paid_at as "paidAt", ended_at as "endedAt"
         from ticketing.ticket where ticket_id = ? and (?::uuid is null or organizer_id = ?)
          and (? = false or office_id = ?)`,
      [ticketId, scope.organizerId, scope.organizerId, p.organizationKind === 'presale-office', scope.officeId ?? ticketId],
    );
    if (!t) throw DomainError.notFound('TICKETING.TICKET_NOT_FOUND', 'ticket');
    const barcodes = await runSql(
      em,
      `select b.issue, b.medium, b.status, b.issued_at as "issuedAt", b.revoked_at as "revokedAt", b.revoke_reason as "revokeReason",
              b.key_id as "keyId", b.valid_from as "validFrom", b.valid_until as "validUntil", bl.serial as "blankSerial"
         from ticketing.barcode b left join ticketing.blank bl on bl.barcode_id = b.id where b.ticket_id = ? order by b.issue`,
      [ticketId],
    );
    return { ...t, barcodes };
  }
}
