import { randomUUID } from 'node:crypto';
import { TestApp } from '../../support/app-harness';
import { closeAgent, downloadPackage } from './ac-support';

/**
 * The real adapter path, no test double: Access Control reads an event's public keys through Ticketing's
 * TICKETING_TRUST contract port, and drops its key cache when Ticketing announces a key change (TrustChanged).
 */
describe('access control ↔ ticketing trust port (real HTTPS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await closeAgent(t);
    await t.close();
  });

  it('offlinePackage_carriesTicketingsPublicKeys_andFollowsAKeyCompromise', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const eventId = randomUUID();
    expect((await t.request('PUT', `/access-control/events/${eventId}`, { body: { reentryPolicy: 'single' }, token: org.token })).status).toBe(200);
    expect((await t.post(`/access-control/events/${eventId}/gates`, { name: 'Main' }, org.token)).status).toBe(201);
    const first = await t.post(`/ticketing/events/${eventId}/keys/rotate`, { compromised: false }, org.token);
    expect(first.status).toBe(200);
    const trust = await t.get(`/ticketing/events/${eventId}/trust`, org.token);
    expect(trust.status).toBe(200);
    const d = await t.post('/access-control/devices', { name: 'phone', eventIds: [eventId] }, org.token);
    const device = (await t.post('/access-control/scanner/enrol', { code: d.body.enrolmentCode })).body.token as string;

    const pkg = await downloadPackage(t, device, eventId);
    expect(pkg.content.keys).toEqual(trust.body.keys.map((k: { keyId: number; publicKey: string }) => ({ keyId: k.keyId, publicKey: k.publicKey })));
    expect(pkg.content.keys.length).toBeGreaterThan(0);

    // compromise the key: Ticketing announces it, Access Control drops its cache, the next package has only the new key
    const second = await t.post(`/ticketing/events/${eventId}/keys/rotate`, { compromised: true }, org.token);
    expect(second.status).toBe(200);
    const deadline = Date.now() + 8000;
    let keys = pkg.content.keys;
    while (Date.now() < deadline) {
      keys = (await downloadPackage(t, device, eventId)).content.keys;
      if (!keys.some((k) => k.keyId === first.body.activeKeyId)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(keys.map((k) => k.keyId)).toEqual([second.body.activeKeyId]);
  });
});
