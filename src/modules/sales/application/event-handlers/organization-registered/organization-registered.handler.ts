import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../../infrastructure/database/sql';
import {
  IntegrationEventConsumer,
  OnIntegrationEvent,
} from '../../../../../infrastructure/messaging/integration-event-handler.decorator';
import { OrganizationRegistered, SECURITY_EVENTS } from '../../../../security/contracts';

/**
 * Sales keeps its own directory of organizers and presale offices (the parties contingents and counter sales refer
 * to), fed by Security's OrganizationRegistered event. Runs in one transaction with the inbox row: exactly one effect.
 */
@Injectable()
@OnIntegrationEvent(SECURITY_EVENTS.OrganizationRegistered, 'sales.party-directory')
export class OrganizationRegisteredHandler implements IntegrationEventConsumer<OrganizationRegistered> {
  async handle(event: OrganizationRegistered, em: EntityManager): Promise<void> {
    const { organizationId, kind, name } = event.payload;
    if (kind === 'platform') return;
    await runSql(
      em,
      `insert into sales.party (organization_id, kind, name, registered_at, source_event_id) values (?, ?, ?, ?, ?)
       on conflict (organization_id) do update set name = excluded.name`,
      [organizationId, kind, name, event.occurredAt, event.id],
    );
  }
}
