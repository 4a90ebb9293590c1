import type { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import { IntegrationEvent } from '../../shared-kernel/integration-event';
import { runSql } from '../database/sql';

/** Hands a batch of events to the broker. Must be idempotent per event id (BullMQ jobId = event id). */
export type Handoff = (events: IntegrationEvent[]) => Promise<void>;

interface OutboxRow {
  id: string;
  type: string;
  tenant_id: string | null;
  occurred_at: Date | string;
  payload: unknown;
}

/**
 * Moves events from the outbox to BullMQ. Claims a batch with FOR UPDATE SKIP LOCKED (so several instances relay
 * in parallel without double work), hands it off, and marks it dispatched in the same transaction. A crash between
 * hand-off and commit leaves the rows undispatched: they are handed off again after restart (at-least-once), and the
 * consumers' inbox removes the duplicate.
 */
export class OutboxRelay {
  private readonly log = new Logger('OutboxRelay');
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly em: () => EntityManager,
    private readonly handoff: Handoff,
    private readonly pollMs: number,
    private readonly batchSize = 200,
  ) {}

  /** Relays one batch; returns how many events were handed off. */
  async relayOnce(): Promise<number> {
    return this.em().transactional(async (em) => {
      const rows = await runSql<OutboxRow>(
        em,
        `select id, type, tenant_id, occurred_at, payload from messaging.outbox
          where dispatched_at is null order by seq limit ? for update skip locked`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.handoff(
        rows.map((r) => ({
          id: r.id,
          type: r.type,
          tenantId: r.tenant_id,
          occurredAt: new Date(r.occurred_at).toISOString(),
          payload: r.payload,
        })),
      );
      await runSql(em, `update messaging.outbox set dispatched_at = now() where id = any(?::uuid[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      let failures = 0;
      while (this.running) {
        let n = 0;
        try {
          n = await this.relayOnce();
          failures = 0;
        } catch (e) {
          failures++;
          if (failures === 1 || failures % 50 === 0) this.log.warn(`outbox relay failed (${failures}×): ${(e as Error).message}`);
        }
        if (n < this.batchSize && this.running) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, failures ? Math.min(this.pollMs * 2 ** failures, 5000) : this.pollMs);
            this.wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
