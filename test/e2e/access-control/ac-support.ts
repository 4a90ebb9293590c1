import { randomBytes, randomUUID, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { verify as edVerify, createPublicKey } from 'node:crypto';
import { integrationEvent, Outbox } from '../../../src/infrastructure/messaging/outbox';
import { EVENT_TRUST_SOURCE, EventPublicKey, EventTrustSource } from '../../../src/modules/access-control/application/event-trust-source.port';
import { openPackage, PackageContent } from '../../../src/modules/access-control/domain/offline-package';
import { base45Encode, encodeSignedPart, joinSigned } from '../../../src/modules/ticketing/contracts';
import { Agent, request } from 'undici';
import { TestApp } from '../../support/app-harness';

const agents = new WeakMap<TestApp, Agent>();
export async function closeAgent(t: TestApp): Promise<void> {
  await agents.get(t)?.close();
  agents.delete(t);
}

export function agentFor(t: TestApp): Agent {
  let a = agents.get(t);
  if (!a) agents.set(t, (a = new Agent({ connect: { ca: t.ca, servername: 'localhost' } })));
  return a;
}

/** An event's Ed25519 signing key as Ticketing holds it; barcodes are built with Ticketing's contract codec. */
export class TestEventKey {
  readonly keyId: number;
  private readonly privateKey: KeyObject;
  readonly publicKey: string;

  constructor(keyId = 1) {
    this.keyId = keyId;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    this.publicKey = spki.subarray(spki.length - 32).toString('base64url');
    this.privateKey = privateKey;
  }

  barcode(
    eventId: string,
    o: { ticketId?: string; issue?: number; placeId?: string | null; validFrom?: Date; validUntil?: Date } = {},
  ): { code: string; ticketId: string } {
    const ticketId = o.ticketId ?? randomUUID();
    const signed = encodeSignedPart({
      keyId: this.keyId,
      ticketId,
      issue: o.issue ?? 1,
      eventId,
      placeKind: 'ga',
      placeId: o.placeId === undefined ? null : o.placeId,
      validFrom: o.validFrom ?? new Date(Date.now() - 3600_000),
      validUntil: o.validUntil ?? new Date(Date.now() + 6 * 3600_000),
      secret: randomBytes(16),
    });
    return { code: base45Encode(joinSigned(signed, sign(null, signed, this.privateKey))), ticketId };
  }
}

/**
 * Test double at the EventTrustSource port (Ticketing's keys): the real adapter asks Ticketing's trust port, which
 * knows only keys of tickets Ticketing printed. Here the test holds the event keys.
 */
export function installTestKeys(t: TestApp): Map<string, EventPublicKey[]> {
  const keys = new Map<string, EventPublicKey[]>();
  const source = t.app.get<EventTrustSource>(EVENT_TRUST_SOURCE, { strict: false });
  jest.spyOn(source, 'publicKeys').mockImplementation(async (_org: string, eventId: string) => keys.get(eventId) ?? []);
  return keys;
}

export async function publish(t: TestApp, type: string, payload: unknown, tenantId: string) {
  const outbox = t.app.get(Outbox, { strict: false });
  await t.em().transactional((em) => outbox.append(em, integrationEvent(type, payload, tenantId)));
}

export interface Setup {
  organizerId: string;
  adminToken: string;
  eventId: string;
  gates: { id: string; name: string }[];
  key: TestEventKey;
}

export async function setupEvent(t: TestApp, keys: Map<string, EventPublicKey[]>, gateNames = ['North', 'South'], policy = 'single'): Promise<Setup> {
  const org = await t.createTenant('organizer', ['organizer-admin']);
  const eventId = randomUUID();
  const key = new TestEventKey();
  keys.set(eventId, [{ keyId: key.keyId, publicKey: key.publicKey }]);
  const ev = await t.request('PUT', `/access-control/events/${eventId}`, { body: { reentryPolicy: policy }, token: org.token });
  if (ev.status !== 200) throw new Error(`configure event: ${ev.status} ${ev.text}`);
  const gates = [];
  for (const name of gateNames) {
    const g = await t.post(`/access-control/events/${eventId}/gates`, { name }, org.token);
    if (g.status !== 201) throw new Error(`gate: ${g.status} ${g.text}`);
    gates.push(g.body);
  }
  return { organizerId: org.organizationId, adminToken: org.token, eventId, gates, key };
}

export async function enrolDevice(t: TestApp, s: Setup, name: string, gateIds?: string[]): Promise<{ deviceId: string; token: string }> {
  const d = await t.post('/access-control/devices', { name, eventIds: [s.eventId], ...(gateIds ? { gateIds } : {}) }, s.adminToken);
  if (d.status !== 201) throw new Error(`device: ${d.status} ${d.text}`);
  const e = await t.post('/access-control/scanner/enrol', { code: d.body.enrolmentCode });
  if (e.status !== 200) throw new Error(`enrol: ${e.status} ${e.text}`);
  return { deviceId: e.body.deviceId, token: e.body.token };
}

let scanCounter = 0;
export const scanId = () => `s-${process.pid}-${++scanCounter}-${randomBytes(3).toString('hex')}`;

export function scan(t: TestApp, deviceToken: string, body: { barcode: string; gateId: string; direction?: 'in' | 'out'; scanId?: string; deviceTime?: string }) {
  return t.post(
    '/access-control/scanner/scans',
    { direction: 'in', scanId: scanId(), deviceTime: new Date().toISOString(), ...body },
    deviceToken,
  );
}

/** Downloads and opens a package the way a scanner does: pinned platform key, raw DEFLATE, Ed25519. */
export async function downloadPackage(t: TestApp, deviceToken: string, eventId: string, since?: string): Promise<{ bytes: number; content: PackageContent }> {
  const key = await t.get('/access-control/package-key');
  const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.body.publicKey }, format: 'jwk' });
  const res = await request(`https://127.0.0.1:${t.port}/access-control/scanner/events/${eventId}/package${since ? `?since=${encodeURIComponent(since)}` : ''}`, {
    headers: { authorization: `Bearer ${deviceToken}` },
    dispatcher: agentFor(t),
  });
  const raw = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`package: ${res.statusCode} ${raw.toString()}`);
  return { bytes: raw.length, content: await openPackage(raw, (b) => inflateRawSync(b), (m, s) => edVerify(null, m, pub, s)) };
}

/** A complete sales.OrderPaid payload (as Sales publishes it) for GA tickets. */
export function orderPaidPayload(s: Setup, ticketIds: string[], channel: 'online' | 'box-office' = 'box-office', categoryId = randomUUID()) {
  const orderId = randomUUID();
  return {
    orderId,
    orderNumber: `PT-${orderId.slice(0, 6).toUpperCase()}`,
    event: { id: s.eventId, organizerId: s.organizerId, name: 'Access control test', startsAt: new Date(Date.now() + 3600_000).toISOString(), venueName: 'Hall' },
    channel: { kind: channel },
    total: { minor: String(2500 * ticketIds.length), currency: 'EUR' },
    lines: ticketIds.map((ticketId) => ({
      ticketId,
      kind: 'ga',
      areaId: categoryId,
      areaName: 'Standing',
      categoryId,
      categoryName: 'Standing',
      reduction: 'adult',
      price: { minor: '2500', currency: 'EUR' },
    })),
    paidAt: new Date().toISOString(),
    payment: { method: 'cash' },
    customer: { name: 'Box office customer' },
  };
}
