import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { EventPublicKey } from '../../../src/modules/access-control/application/event-trust-source.port';
import { TestApp } from '../../support/app-harness';
import { closeAgent, agentFor, enrolDevice, installTestKeys, orderPaidPayload, publish, scan, setupEvent } from './ac-support';

describe('access control: live feed and box-office changes (real HTTPS)', () => {
  let t: TestApp;
  let keys: Map<string, EventPublicKey[]>;
  beforeAll(async () => {
    t = await TestApp.start();
    keys = installTestKeys(t);
  });
  afterAll(async () => {
    await closeAgent(t);
    await t.close();
  });

  const feed = (token: string, eventId: string, cursor: string, wait = 0) =>
    t.get(`/access-control/scanner/events/${eventId}/feed?cursor=${encodeURIComponent(cursor)}&wait=${wait}`, token);

  it('boxOfficeSale_reachesOnlineScannerWithin2s_andIsAdmitted; cancellation_reachesItWithin2s_andIsRefused', async () => {
    const s = await setupEvent(t, keys);
    const dev = await enrolDevice(t, s, 'north phone', [s.gates[0].id]);
    const south = await enrolDevice(t, s, 'south phone', [s.gates[1].id]);
    const start = await feed(dev.token, s.eventId, '0');
    expect(start.status).toBe(200);
    let cursor = start.body.cursor as string;

    const sold = s.key.barcode(s.eventId);
    const cancelled = s.key.barcode(s.eventId);
    const t0 = Date.now();
    const waiting = feed(dev.token, s.eventId, cursor, 10);
    await publish(t, 'sales.OrderPaid', orderPaidPayload(s, [sold.ticketId, cancelled.ticketId]), s.organizerId);
    let page = await waiting;
    const gotSale = Date.now() - t0;
    expect(page.status).toBe(200);
    expect(page.body.items.filter((i: { t: string }) => i.t === 'sale').map((i: { k: string }) => i.k).sort()).toEqual([sold.ticketId, cancelled.ticketId].sort());
    expect(gotSale).toBeLessThan(2000);
    cursor = page.body.cursor;

    // a device enrolled for one gate may omit gateId, direction and deviceTime (fewer bytes per scan)
    const admitted = await t.post('/access-control/scanner/scans', { barcode: sold.code, scanId: 'lean-1' }, dev.token);
    expect(admitted.body.verdict).toBe('admitted');
    expect(admitted.headers['strict-transport-security']).toBeUndefined();
    // the other gate's scanner sees the admission; the scanning device's own feed leaves it out
    const other = await feed(south.token, s.eventId, cursor, 5);
    expect(other.body.items).toEqual([{ t: 'adm', k: sold.ticketId, g: s.gates[0].id, at: expect.any(String) }]);
    page = await feed(dev.token, s.eventId, cursor, 0);
    expect(page.body.items).toEqual([]);
    cursor = page.body.cursor;

    const t1 = Date.now();
    const waitingRev = feed(dev.token, s.eventId, cursor, 10);
    await publish(
      t,
      'sales.OrderCancelled',
      { orderId: randomUUID(), orderNumber: 'PT-X', eventId: s.eventId, organizerId: s.organizerId, ticketIds: [cancelled.ticketId], wasPaid: true, reason: 'customer returned it' },
      s.organizerId,
    );
    page = await waitingRev;
    expect(Date.now() - t1).toBeLessThan(2000);
    expect(page.body.items).toEqual([expect.objectContaining({ t: 'rev', k: cancelled.ticketId, i: null })]);
    expect((await scan(t, dev.token, { barcode: cancelled.code, gateId: s.gates[0].id })).body.verdict).toBe('revoked');

    // nothing new: an immediate read returns no items and the same position
    const idle = await feed(dev.token, s.eventId, page.body.cursor, 0);
    expect(idle.body.items).toEqual([]);
  });

  it('ticketingRevocation_ofOneBarcodeIssue_refusesThatIssueOnly', async () => {
    const s = await setupEvent(t, keys);
    const dev = await enrolDevice(t, s, 'phone');
    const ticketId = randomUUID();
    const old = s.key.barcode(s.eventId, { ticketId, issue: 1 });
    const reprint = s.key.barcode(s.eventId, { ticketId, issue: 2 });
    await publish(t, 'ticketing.TrustChanged', { organizerId: s.organizerId, eventId: s.eventId, version: '1', revoked: [`${ticketId}#1`], keysChanged: false }, s.organizerId);
    const page = await feed(dev.token, s.eventId, '0', 10);
    expect(page.body.items).toEqual([expect.objectContaining({ t: 'rev', k: ticketId, i: 1 })]);
    expect((await scan(t, dev.token, { barcode: old.code, gateId: s.gates[0].id })).body.verdict).toBe('revoked');
    expect((await scan(t, dev.token, { barcode: reprint.code, gateId: s.gates[0].id })).body.verdict).toBe('admitted');
  });

  it('eventCancelled_admitsNobody_andThePackageSaysSo', async () => {
    const s = await setupEvent(t, keys);
    const dev = await enrolDevice(t, s, 'phone', [s.gates[0].id]);
    const before = s.key.barcode(s.eventId);
    expect((await scan(t, dev.token, { barcode: before.code, gateId: s.gates[0].id })).body.verdict).toBe('admitted');
    await publish(t, 'sales.EventCancelled', { eventId: s.eventId, organizerId: s.organizerId, reason: 'storm', cancelledAt: new Date().toISOString() }, s.organizerId);
    const deadline = Date.now() + 8000;
    let v = '';
    while (Date.now() < deadline) {
      v = (await scan(t, dev.token, { barcode: s.key.barcode(s.eventId).code, gateId: s.gates[0].id })).body.verdict;
      if (v === 'revoked') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(v).toBe('revoked');
    const { downloadPackage } = await import('./ac-support');
    expect((await downloadPackage(t, dev.token, s.eventId)).content.cancelled).toBe(true);
  });

  it('sseStream_deliversAdmissionsAtOtherGates', async () => {
    const s = await setupEvent(t, keys);
    const north = await enrolDevice(t, s, 'north', [s.gates[0].id]);
    const south = await enrolDevice(t, s, 'south', [s.gates[1].id]);
    const res = await request(`https://127.0.0.1:${t.port}/access-control/scanner/events/${s.eventId}/feed/stream?cursor=0`, {
      headers: { authorization: `Bearer ${north.token}` },
      dispatcher: agentFor(t),
    });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/event-stream');
    const { code, ticketId } = s.key.barcode(s.eventId);
    const t0 = Date.now();
    expect((await scan(t, south.token, { barcode: code, gateId: s.gates[1].id })).body.verdict).toBe('admitted');
    let text = '';
    for await (const chunk of res.body) {
      text += chunk.toString();
      if (text.includes(ticketId)) break;
    }
    expect(Date.now() - t0).toBeLessThan(2000);
    const data = text.split('\n').find((l) => l.startsWith('data:'))!;
    expect(JSON.parse(data.slice(5))).toEqual([expect.objectContaining({ t: 'adm', k: ticketId, g: s.gates[1].id })]);
    expect(text).toMatch(/^id:\d+/m);
    res.body.destroy();
  });
});
