import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { runSql } from '../../../src/infrastructure/database/sql';
import { integrationEvent, Outbox } from '../../../src/infrastructure/messaging/outbox';
import type { OrderPaid, OrderPlaced, OrderLineDto, SalesChannelKind } from '../../../src/modules/sales/contracts';
import { TestApp, uniq } from '../../support/app-harness';
import { waitFor as poll } from '../../support/wait';

/** Plays Sales' part in escrow tests: writes Sales' integration events to the outbox, as Sales would. */
export class SalesSimulator {
  constructor(private readonly t: TestApp) {}

  private async append(ev: ReturnType<typeof integrationEvent>) {
    const outbox = this.t.app.get(Outbox);
    await this.t.em().transactional((em) => outbox.append(em as EntityManager, ev));
  }

  order(opts: { organizerId: string; eventId?: string; startsAt?: string; prices: number[]; channel?: SalesChannelKind; officeId?: string | null; currency?: string }) {
    const currency = opts.currency ?? 'EUR';
    const lines: OrderLineDto[] = opts.prices.map((p, i) => ({
      ticketId: randomUUID(),
      kind: 'ga',
      categoryId: randomUUID(),
      categoryName: 'Standard',
      reduction: 'adult',
      areaId: null,
      areaName: `Area ${i}`,
      price: { minor: String(p), currency },
    }));
    return {
      orderId: randomUUID(),
      orderNumber: `PT-${uniq().slice(0, 8).toUpperCase()}`,
      event: { id: opts.eventId ?? randomUUID(), organizerId: opts.organizerId, name: 'Test Concert', startsAt: opts.startsAt ?? new Date(Date.now() - 30 * 86400_000).toISOString(), venueName: 'Hall' },
      channel: { kind: opts.channel ?? 'online', officeId: opts.officeId ?? null },
      total: { minor: String(opts.prices.reduce((a, b) => a + b, 0)), currency },
      lines,
    };
  }

  async placed(o: ReturnType<SalesSimulator['order']>, paidAtCounter = false) {
    const payload: OrderPlaced['payload'] = {
      ...o,
      customer: { name: 'Erika Mustermann', email: 'erika@example.org' },
      paymentDeadline: paidAtCounter ? null : new Date(Date.now() + 7 * 86400_000).toISOString(),
      paidAtCounter,
    };
    await this.append(integrationEvent('sales.OrderPlaced', payload, o.event.organizerId));
  }

  async paidAtCounter(o: ReturnType<SalesSimulator['order']>) {
    const payload: OrderPaid['payload'] = { ...o, paidAt: new Date().toISOString(), payment: { method: 'cash', paymentId: null }, customer: { name: 'Walk-in' } };
    await this.append(integrationEvent('sales.OrderPaid', payload, o.event.organizerId));
  }

  async expired(o: ReturnType<SalesSimulator['order']>) {
    await this.append(integrationEvent('sales.OrderExpired', { orderId: o.orderId, orderNumber: o.orderNumber, eventId: o.event.id, organizerId: o.event.organizerId, ticketIds: [] }));
  }

  async cancelled(o: ReturnType<SalesSimulator['order']>, wasPaid: boolean) {
    await this.append(
      integrationEvent('sales.OrderCancelled', { orderId: o.orderId, orderNumber: o.orderNumber, eventId: o.event.id, organizerId: o.event.organizerId, ticketIds: [], wasPaid, reason: 'customer request' }),
    );
  }

  async eventCancelled(eventId: string, organizerId: string) {
    await this.append(integrationEvent('sales.EventCancelled', { eventId, organizerId, reason: 'artist ill', cancelledAt: new Date().toISOString() }));
  }
}

export const waitFor = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 15000): Promise<T> => poll(what, fn, timeoutMs, 50);

export const sql = <T = Record<string, any>>(t: TestApp, q: string, params: unknown[] = []) => runSql<T>(t.em(), q, params);

/** Waits until escrow has the order in the given status; returns its row. */
export function escrowOrder(t: TestApp, orderId: string, status?: string) {
  return waitFor(`escrow order ${orderId} ${status ?? ''}`, async () => {
    const [r] = await sql(t, `select *, total_minor::text total, received_minor::text received from escrow.order_account where order_id = ?`, [orderId]);
    return r && (!status || r.status === status) ? r : null;
  });
}

export async function uploadStatement(t: TestApp, admin: string, body: string, contentType = 'application/xml') {
  const r = await t.request('POST', '/escrow/statements', { raw: body, token: admin, headers: { 'content-type': contentType } });
  if (r.status !== 202) return { upload: r, result: null as any };
  const done = await waitFor('statement import', async () => {
    const s = await t.get(`/escrow/statements/uploads/${r.body.uploadId}`, admin);
    return s.body.status !== 'queued' ? s.body : null;
  });
  return { upload: r, result: done };
}

export const outboxEvents = (t: TestApp, type: string, orderId: string) => sql(t, `select id, payload from messaging.outbox where type = ? and payload->>'orderId' = ?`, [type, orderId]);
