import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import { IntegrationEventConsumer, OnIntegrationEvent } from '../../../../infrastructure/messaging/integration-event-handler.decorator';
import { TICKETING_EVENTS, TrustChanged } from '../../../ticketing/contracts/ticketing-events';
import { AccessDirectory } from '../access-directory';
import { FeedNotifier } from '../feed-notifier';

const ENTRY = /^([0-9a-f-]{36})#(\d{1,5})$/i;

/** Ticketing revoked barcodes (reprint, re-issue, cancellation) or changed keys: mirror the revocations, drop key caches. */
@Injectable()
@OnIntegrationEvent(TICKETING_EVENTS.TrustChanged, 'access-control.trust-mirror')
export class TrustChangedHandler implements IntegrationEventConsumer<TrustChanged> {
  constructor(
    private readonly dir: AccessDirectory,
    private readonly notifier: FeedNotifier,
  ) {}

  async handle(event: TrustChanged, em: EntityManager): Promise<void> {
    const { eventId, organizerId, revoked, keysChanged } = event.payload;
    const rows = revoked
      .map((r) => ENTRY.exec(r))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ ticket_id: m[1].toLowerCase(), issue: Number(m[2]) }));
    if (rows.length) {
      await runSql(
        em,
        `insert into access_control.revocation (event_id, organizer_id, ticket_id, issue, reason, source, revoked_at)
         select ?, ?, x.ticket_id, x.issue, 'barcode revoked by ticketing', 'ticketing', ?
           from jsonb_to_recordset(?::jsonb) as x(ticket_id uuid, issue int)
         on conflict do nothing`,
        [eventId, organizerId, event.occurredAt, JSON.stringify(rows)],
      );
    }
    if (keysChanged) this.dir.forgetEvent(eventId);
    this.notifier.changed(eventId);
  }
}
