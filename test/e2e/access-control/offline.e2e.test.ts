import { randomUUID } from 'node:crypto';
import { verify as edVerify } from 'node:crypto';
import { EventPublicKey } from '../../../src/modules/access-control/application/event-trust-source.port';
import { createLocalScanner } from '../../../src/modules/access-control/domain/scanner-kit';
import { createIsolatedDatabase, TestApp, uniq } from '../../support/app-harness';
import { closeAgent, downloadPackage, enrolDevice, installTestKeys, orderPaidPayload, publish, scan, scanId, setupEvent } from './ac-support';

/** node:crypto Ed25519 for the scanner kit in tests (a phone would use WebCrypto, the kit's default). */
const ed25519 = (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) =>
  edVerify(null, msg, { key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pk).toString('base64url') }, format: 'jwk' }, sig);

/**
 * Own database and Redis prefix: the test waits for its cancellation to travel outbox → consumer → feed, and on the
 * shared queue another suite's app (possibly shutting down) may take that delivery (it flaked once in CI).
 */
describe('access control: offline scanners, packages and the conflict report (real HTTPS)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let keys: Map<string, EventPublicKey[]>;
  beforeAll(async () => {
    db = await createIsolatedDatabase();
    t = await TestApp.start({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}-offline-${uniq()}` });
    keys = installTestKeys(t);
  });
  afterAll(async () => {
    await closeAgent(t);
    await t?.close();
    await db?.drop();
  });

  it('mustShow_300TicketsTwoGates_onlineAndOfflineScanner_conflictReportNamesTheDoubleUse', async () => {
    const s = await setupEvent(t, keys, ['North', 'South']);
    const [north, south] = s.gates;
    const online = await enrolDevice(t, s, 'North phone (online)', [north.id]);
    const offline = await enrolDevice(t, s, 'South PC (offline)', [south.id]);
    const tickets = Array.from({ length: 300 }, () => s.key.barcode(s.eventId));
    await publish(t, 'sales.OrderPaid', orderPaidPayload(s, tickets.map((x) => x.ticketId), 'online'), s.organizerId);

    // The offline scanner loads its package before doors open and then works without a network.
    const pkg = await downloadPackage(t, offline.token, s.eventId);
    expect(pkg.content).toMatchObject({ kind: 'full', eventId: s.eventId, policy: 'single', revoked: [] });
    expect(pkg.content.gates.map((g) => g.id)).toEqual([south.id]);
    expect(pkg.bytes).toBeLessThan(4000);
    const local = createLocalScanner(pkg.content, { ed25519Verify: ed25519 });

    const northTickets = tickets.slice(0, 150);
    const southTickets = tickets.slice(150, 299);
    const revokedLater = tickets[299]; // cancelled while the offline scanner is offline
    const usedTwice = northTickets[7]; // a copy of this ticket goes through South
    const offlineFirst = southTickets[3]; // entered South offline, then a copy is scanned at North online

    const offlineScans: Array<{ scanId: string; barcode: string; gateId: string; direction: 'in'; deviceTime: string; localVerdict: string }> = [];
    const scanOffline = async (code: string, at: Date) => {
      const d = await local.scan(code, south.id, 'in', at);
      offlineScans.push({ scanId: scanId(), barcode: code, gateId: south.id, direction: 'in', deviceTime: at.toISOString(), localVerdict: d.verdict });
      return d.verdict;
    };

    const base = Date.now() - 60_000;
    let i = 0;
    for (const tk of southTickets) expect(await scanOffline(tk.code, new Date(base + i++ * 100))).toBe('admitted');
    for (const tk of northTickets) expect((await scan(t, online.token, { barcode: tk.code, gateId: north.id })).body.verdict).toBe('admitted');

    // The cancellation reaches the online scanner at once; the offline one does not know yet.
    await publish(
      t,
      'sales.OrderCancelled',
      { orderId: randomUUID(), orderNumber: 'PT-C', eventId: s.eventId, organizerId: s.organizerId, ticketIds: [revokedLater.ticketId], wasPaid: true, reason: 'refund' },
      s.organizerId,
    );
    const deadline = Date.now() + 15_000; // latency is feed.e2e's subject (< 2 s); here only the order of events matters
    let v = '';
    do {
      v = (await t.get(`/access-control/scanner/events/${s.eventId}/feed?cursor=0&wait=1`, online.token)).body.items.some(
        (x: { t: string; k: string }) => x.t === 'rev' && x.k === revokedLater.ticketId,
      );
    } while (!v && Date.now() < deadline);
    expect(v).toBe(true);
    await new Promise((r) => setTimeout(r, 20)); // the revocation time lies before the offline scan below

    expect(await scanOffline(revokedLater.code, new Date())).toBe('admitted'); // not yet in its package
    expect(await scanOffline(usedTwice.code, new Date())).toBe('admitted'); // offline scanner cannot know
    expect(await scanOffline(southTickets[0].code, new Date())).toBe('already-inside'); // its own scans it knows
    expect((await scan(t, online.token, { barcode: offlineFirst.code, gateId: north.id })).body.verdict).toBe('admitted');
    expect((await scan(t, online.token, { barcode: revokedLater.code, gateId: north.id })).body.verdict).toBe('revoked');

    // Back online: delta sync, then upload in one batch (shuffled: the server replays in device-time order).
    const delta = await downloadPackage(t, offline.token, s.eventId, pkg.content.version);
    expect(delta.content).toMatchObject({ kind: 'delta', revoked: [revokedLater.ticketId] });
    local.applyPackage(delta.content);
    expect((await local.scan(revokedLater.code, south.id, 'in', new Date())).verdict).toBe('revoked');

    const shuffled = [...offlineScans].sort(() => Math.random() - 0.5);
    const up = await t.post(`/access-control/scanner/events/${s.eventId}/offline-scans`, { scans: shuffled }, offline.token);
    expect(up.status).toBe(200);
    expect(up.body.accepted).toBe(offlineScans.length);
    const again = await t.post(`/access-control/scanner/events/${s.eventId}/offline-scans`, { scans: shuffled }, offline.token);
    expect(again.body.results.every((r: { replay: boolean }) => r.replay)).toBe(true);

    const report = await t.get(`/access-control/events/${s.eventId}/conflicts`, s.adminToken);
    expect(report.status).toBe(200);
    const byTicket = new Map<string, Array<{ kind: string; scan: { gateName: string; deviceName: string; mode: string }; otherScan: { gateName: string; deviceName: string; mode: string } | null }>>();
    for (const c of report.body.conflicts) byTicket.set(c.ticketId, [...(byTicket.get(c.ticketId) ?? []), c]);
    expect(byTicket.get(usedTwice.ticketId)).toEqual([
      expect.objectContaining({
        kind: 'double-use',
        scan: expect.objectContaining({ gateName: 'South', deviceName: 'South PC (offline)', mode: 'offline' }),
        otherScan: expect.objectContaining({ gateName: 'North', deviceName: 'North phone (online)', mode: 'online' }),
      }),
    ]);
    expect(byTicket.get(offlineFirst.ticketId)).toEqual([
      expect.objectContaining({ kind: 'double-use', otherScan: expect.objectContaining({ gateName: 'North', mode: 'online' }) }),
    ]);
    expect(byTicket.get(revokedLater.ticketId)).toEqual([expect.objectContaining({ kind: 'revoked-before-scan' })]);
    expect(report.body.conflicts).toHaveLength(3);

    const inside = await t.em().getConnection().execute(`select count(*)::int as n from access_control.presence where event_id = ?`, [s.eventId]);
    expect(inside[0].n).toBe(299); // every ticket but the cancelled one
  });

  it('offlinePackage_sizeDoesNotGrowWithTickets_andIsSignedByThePlatform', async () => {
    const small = await setupEvent(t, keys, ['A', 'B']);
    const big = await setupEvent(t, keys, ['A', 'B']);
    const ds = await enrolDevice(t, small, 'd');
    const db = await enrolDevice(t, big, 'd');
    await publish(t, 'sales.OrderPaid', orderPaidPayload(small, Array.from({ length: 300 }, () => randomUUID()), 'online'), small.organizerId);
    await publish(t, 'sales.OrderPaid', orderPaidPayload(big, Array.from({ length: 10_000 }, () => randomUUID()), 'online'), big.organizerId);
    await new Promise((r) => setTimeout(r, 1500));
    const p1 = await downloadPackage(t, ds.token, small.eventId);
    const p2 = await downloadPackage(t, db.token, big.eventId);
    expect(Math.abs(p1.bytes - p2.bytes)).toBeLessThan(40);
    expect(p1.bytes).toBeLessThan(4000);
    // a tampered package is refused by the scanner kit
    await expect(downloadPackage(t, ds.token, small.eventId).then(async () => {
      const { openPackage } = await import('../../../src/modules/access-control/domain/offline-package');
      const bytes = new Uint8Array(200).fill(1);
      bytes.set([0x50, 0x54, 0x41, 0x43, 1]);
      return openPackage(bytes, (b) => b, () => false);
    })).rejects.toThrow('signature');
    // another organizer's device gets a 404 for this event's package
    const r = await t.get(`/access-control/scanner/events/${small.eventId}/package`, db.token);
    expect(r.status).toBe(404);
  });
});
