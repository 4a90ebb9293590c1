import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import { IntegrationEventConsumer, OnIntegrationEvent } from '../../../../infrastructure/messaging/integration-event-handler.decorator';
import { OrganizationRegistered, SECURITY_EVENTS } from '../../../security/contracts';

/** Ticketing's own directory of presale offices (hand-over targets), fed by Security's OrganizationRegistered. */
@Injectable()
@OnIntegrationEvent(SECURITY_EVENTS.OrganizationRegistered, 'ticketing.party-directory')
export class PartyDirectoryHandler implements IntegrationEventConsumer<OrganizationRegistered> {
  async handle(event: OrganizationRegistered, em: EntityManager): Promise<void> {
    const { organizationId, kind, name } = event.payload;
    if (kind === 'platform') return;
    await runSql(
      em,
      `insert into ticketing.party (organization_id, kind, name, source_event_id) values (?, ?, ?, ?)
       on conflict (organization_id) do update set name = excluded.name`,
      [organizationId, kind, name, event.id],
    );
  }
}
