import { randomUUID } from 'node:crypto';
import { TestApp } from '../../support/app-harness';
import { EventPublicKey } from '../../../src/modules/access-control/application/event-trust-source.port';
import { closeAgent, enrolDevice, installTestKeys, scan, scanId, setupEvent, TestEventKey } from './ac-support';

// Twice: on the fast lane (production) and through Nest's pipeline (HTTP_FAST_LANE=false) — the same answers.
describe.each([
  ['fast lane', 'true'],
  ['through Nest', 'false'],
])('access control: online scanning (real HTTPS, %s)', (_name, lane) => {
  let t: TestApp;
  let keys: Map<string, EventPublicKey[]>;
  beforeAll(async () => {
    t = await TestApp.start({ HTTP_FAST_LANE: lane });
    keys = installTestKeys(t);
  });
  afterAll(async () => {
    await closeAgent(t);
    await t.close();
  });

  it('scan_validTicket_isAdmitted_thenAlreadyInsideWithGateAndTime', async () => {
    const s = await setupEvent(t, keys);
    const dev = await enrolDevice(t, s, 'phone 1');
    const { code, ticketId } = s.key.barcode(s.eventId);
    const first = await scan(t, dev.token, { barcode: code, gateId: s.gates[0].id });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ verdict: 'admitted', ticketId });
    const again = await scan(t, dev.token, { barcode: code, gateId: s.gates[1].id });
    expect(again.body.verdict).toBe('already-inside');
    expect(again.body.entered).toMatchObject({ gateId: s.gates[0].id, gateName: 'North' });
    expect(Math.abs(Date.parse(again.body.entered.at) - Date.now())).toBeLessThan(60_000);
  });

  it('scan_retriedWithSameScanId_returnsSameVerdict_andAdmitsOnce', async () => {
    const s = await setupEvent(t, keys);
    const dev = await enrolDevice(t, s, 'phone');
    const { code, ticketId } = s.key.barcode(s.eventId);
    const id = scanId();
    const results = await Promise.all([1, 2, 3].map(() => scan(t, dev.token, { barcode: code, gateId: s.gates[0].id, scanId: id })));
    expect(results.map((r) => r.body.verdict)).toEqual(['admitted', 'admitted', 'admitted']);
    expect(results.filter((r) => r.body.replay)).toHaveLength(2);
    const later = await scan(t, dev.token, { barcode: code, gateId: s.gates[0].id, scanId: id });
    expect(later.body).toMatchObject({ verdict: 'admitted', replay: true });
    const rows = await t.em().getConnection().execute(`select count(*)::int as n from access_control.scan where ticket_id = ?`, [ticketId]);
    expect(rows[0].n).toBe(1);
  });

  it('twoGatesRacingTheSameTickets_exactlyOneAdmittedPerTicket', async () => {
    const s = await setupEvent(t, keys);
    const a = await enrolDevice(t, s, 'north', [s.gates[0].id]);
    const b = await enrolDevice(t, s, 'south', [s.gates[1].id]);
    const tickets = Array.from({ length: 25 }, () => s.key.barcode(s.eventId));
    const results = await Promise.all(
      tickets.flatMap((tk) => [
        scan(t, a.token, { barcode: tk.code, gateId: s.gates[0].id }),
        scan(t, b.token, { barcode: tk.code, gateId: s.gates[1].id }),
      ]),
    );
    for (let i = 0; i < tickets.length; i++) {
      const pair = [results[2 * i].body.verdict, results[2 * i + 1].body.verdict].sort();
      expect(pair).toEqual(['admitted', 'already-inside']);
    }
    const admitted = await t
      .em()
      .getConnection()
      .execute(`select count(*)::int as n from access_control.scan where event_id = ? and server_verdict = 'admitted'`, [s.eventId]);
    expect(admitted[0].n).toBe(25);
  });

  it('verdicts_forForgedRevokedWrongEventWindowAndUnknownBarcodes', async () => {
    const s = await setupEvent(t, keys);
    const dev = await enrolDevice(t, s, 'phone');
    const gate = s.gates[0].id;
    const good = s.key.barcode(s.eventId).code;
    // one character changed inside the secret (bytes 64..79 → characters 96..119) → signature fails
    const flipped = good.slice(0, 100) + (good[100] === 'A' ? 'B' : 'A') + good.slice(101);
    expect((await scan(t, dev.token, { barcode: flipped, gateId: gate })).body.verdict).toBe('forged');
    // a change inside the event id is refused too (it no longer names this event)
    const otherEvent = good.slice(0, 40) + (good[40] === 'A' ? 'B' : 'A') + good.slice(41);
    expect((await scan(t, dev.token, { barcode: otherEvent, gateId: gate })).body.verdict).toMatch(/^(wrong-event|unknown)$/);
    const foreignKey = new TestEventKey();
    expect((await scan(t, dev.token, { barcode: foreignKey.barcode(s.eventId).code, gateId: gate })).body.verdict).toBe('forged');
    expect((await scan(t, dev.token, { barcode: s.key.barcode(randomUUID()).code, gateId: gate })).body.verdict).toBe('wrong-event');
    const past = s.key.barcode(s.eventId, { validFrom: new Date(Date.now() - 10 * 86400_000), validUntil: new Date(Date.now() - 9 * 86400_000) });
    expect((await scan(t, dev.token, { barcode: past.code, gateId: gate })).body.verdict).toBe('expired');
    const future = s.key.barcode(s.eventId, { validFrom: new Date(Date.now() + 9 * 86400_000), validUntil: new Date(Date.now() + 10 * 86400_000) });
    expect((await scan(t, dev.token, { barcode: future.code, gateId: gate })).body.verdict).toBe('not-yet-valid');
    for (const garbage of ['', 'hello world', '%%%%', good.slice(0, 100), 'A'.repeat(1024), '\u0000\u0001']) {
      const r = await scan(t, dev.token, { barcode: garbage, gateId: gate });
      expect(r.status).toBe(200);
      expect(r.body.verdict).toBe('unknown');
    }
  });

  it('gateAdmittingOneCategory_refusesOthersAsWrongGate', async () => {
    const s = await setupEvent(t, keys, ['Main']);
    const vip = randomUUID();
    const g = await t.post(`/access-control/events/${s.eventId}/gates`, { name: 'VIP', categories: [vip] }, s.adminToken);
    expect(g.status).toBe(201);
    const dev = await enrolDevice(t, s, 'vip phone');
    expect((await scan(t, dev.token, { barcode: s.key.barcode(s.eventId, { placeId: randomUUID() }).code, gateId: g.body.id })).body.verdict).toBe('wrong-gate');
    expect((await scan(t, dev.token, { barcode: s.key.barcode(s.eventId, { placeId: vip }).code, gateId: g.body.id })).body.verdict).toBe('admitted');
  });

  it('entryExitPolicy_allowsLeavingAndComingBack_butNotTwoEntriesInARow', async () => {
    const s = await setupEvent(t, keys, ['Main'], 'entry-exit');
    const dev = await enrolDevice(t, s, 'phone');
    const { code } = s.key.barcode(s.eventId);
    const gateId = s.gates[0].id;
    expect((await scan(t, dev.token, { barcode: code, gateId })).body.verdict).toBe('admitted');
    expect((await scan(t, dev.token, { barcode: code, gateId })).body.verdict).toBe('already-inside');
    expect((await scan(t, dev.token, { barcode: code, gateId, direction: 'out' })).body.verdict).toBe('exited');
    expect((await scan(t, dev.token, { barcode: code, gateId, direction: 'out' })).body.verdict).toBe('not-inside');
    expect((await scan(t, dev.token, { barcode: code, gateId })).body.verdict).toBe('admitted');
  });

  it('badInput_isA4xxOrAVerdict_neverA500', async () => {
    const s = await setupEvent(t, keys);
    const dev = await enrolDevice(t, s, 'phone');
    const other = await setupEvent(t, keys);
    const foreignDev = await enrolDevice(t, other, 'foreign phone');
    const { code } = s.key.barcode(s.eventId);
    const huge = await scan(t, dev.token, { barcode: 'A'.repeat(10_240), gateId: s.gates[0].id });
    expect(huge.status).toBe(400);
    expect(huge.body.code).toBe('REQUEST.VALIDATION_FAILED');
    const unknownGate = await scan(t, dev.token, { barcode: code, gateId: randomUUID() });
    expect(unknownGate.status).toBe(404);
    const foreign = await scan(t, foreignDev.token, { barcode: code, gateId: s.gates[0].id });
    expect(foreign.status).toBe(404);
    const noCredential = await t.post('/access-control/scanner/scans', { barcode: code, gateId: s.gates[0].id, direction: 'in', scanId: 'x', deviceTime: new Date().toISOString() });
    expect(noCredential.status).toBe(401);
    const fakeCredential = await scan(t, 'acd_' + 'A'.repeat(43), { barcode: code, gateId: s.gates[0].id });
    expect(fakeCredential.status).toBe(401);
    const badBody = await t.post('/access-control/scanner/scans', { barcode: 42, gateId: 'x', direction: 'sideways', scanId: '', deviceTime: 'yesterday', extra: 1 }, dev.token);
    expect(badBody.status).toBe(400);
    const rawGarbage = await t.request('POST', '/access-control/scanner/scans', { raw: '{"barcode":', token: dev.token, headers: { 'content-type': 'application/json' } });
    expect(rawGarbage.status).toBe(400);
    // a device limited to gate North may not scan at South
    const northOnly = await enrolDevice(t, s, 'north only', [s.gates[0].id]);
    expect((await scan(t, northOnly.token, { barcode: code, gateId: s.gates[1].id })).status).toBe(403);
    // the other organizer's admin sees neither the event nor its conflicts
    expect((await t.get(`/access-control/events/${s.eventId}`, other.adminToken)).status).toBe(404);
    expect((await t.get(`/access-control/events/${s.eventId}/conflicts`, other.adminToken)).status).toBe(404);
    expect((await t.request('PUT', `/access-control/events/${s.eventId}`, { body: { reentryPolicy: 'multiple' }, token: other.adminToken })).status).toBe(404);
  });

  it('enrolmentCode_isSingleUse_andRevokedDeviceIsRefusedAtOnce', async () => {
    const s = await setupEvent(t, keys);
    const d = await t.post('/access-control/devices', { name: 'phone', eventIds: [s.eventId] }, s.adminToken);
    expect(d.status).toBe(201);
    expect(d.body.enrolmentUri).toContain(d.body.enrolmentCode);
    const e1 = await t.post('/access-control/scanner/enrol', { code: d.body.enrolmentCode.toLowerCase() });
    expect(e1.status).toBe(200);
    const e2 = await t.post('/access-control/scanner/enrol', { code: d.body.enrolmentCode });
    expect(e2.status).toBe(401);
    const token = e1.body.token as string;
    expect((await scan(t, token, { barcode: s.key.barcode(s.eventId).code, gateId: s.gates[0].id })).body.verdict).toBe('admitted');
    const rv = await t.post(`/access-control/devices/${d.body.id}/revoke`, {}, s.adminToken);
    expect(rv.status).toBe(200);
    const after = await scan(t, token, { barcode: s.key.barcode(s.eventId).code, gateId: s.gates[0].id });
    expect(after.status).toBe(401);
    const list = await t.get('/access-control/devices', s.adminToken);
    expect(list.body.find((x: { id: string }) => x.id === d.body.id)).toMatchObject({ status: 'revoked', scans: 1 });
  });
});
