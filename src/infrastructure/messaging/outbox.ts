import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { newId } from '../../shared-kernel/ids';
import { IntegrationEvent } from '../../shared-kernel/integration-event';
import { runSql } from '../database/sql';

/** Builds an integration event with a fresh id and the current time. */
export function integrationEvent<T extends string, P>(type: T, payload: P, tenantId: string | null = null): IntegrationEvent<T, P> {
  return { id: newId(), type, occurredAt: new Date().toISOString(), tenantId, payload };
}

/**
 * Transactional outbox: integration events are written to `messaging.outbox` in the same database transaction as
 * the change they announce. Never save-then-publish. The relay hands them to BullMQ afterwards.
 */
@Injectable()
export class Outbox {
  async append(em: EntityManager, ...events: IntegrationEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (!em.isInTransaction()) {
      throw new Error('Outbox.append must run inside the transaction of the change it announces (em.transactional)');
    }
    const values = events.map(() => '(?, ?, ?, ?, ?::jsonb)').join(', ');
    const params = events.flatMap((e) => [e.id, e.type, e.tenantId ?? null, e.occurredAt, JSON.stringify(e.payload)]);
    await runSql(em, `insert into messaging.outbox (id, type, tenant_id, occurred_at, payload) values ${values}`, params);
  }
}
