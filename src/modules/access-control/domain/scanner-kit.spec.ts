import { generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { base45Encode, encodeSignedPart, joinSigned } from '../../ticketing/contracts';
import { gateAdmits } from './gate-rule';
import { applyDelta, assemblePackage, openPackage, PackageContent, packageSigningInput, PackageRejected } from './offline-package';
import { createLocalScanner } from './scanner-kit';

const ed = (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) =>
  verify(null, msg, { key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pk).toString('base64url') }, format: 'jwk' }, sig);

function eventKey() {
  const kp = generateKeyPairSync('ed25519');
  const spki = kp.publicKey.export({ format: 'der', type: 'spki' });
  return { publicKey: spki.subarray(spki.length - 32).toString('base64url'), privateKey: kp.privateKey };
}

const eventId = randomUUID();
const key = eventKey();
const code = (ticketId = randomUUID(), placeId: string | null = null, issue = 1) => {
  const signed = encodeSignedPart({
    keyId: 1,
    ticketId,
    issue,
    eventId,
    placeKind: 'ga',
    placeId,
    validFrom: new Date(Date.now() - 3600_000),
    validUntil: new Date(Date.now() + 3600_000),
    secret: randomBytes(16),
  });
  return base45Encode(joinSigned(signed, sign(null, signed, key.privateKey)));
};

const vip = randomUUID();
const pkg = (over: Partial<PackageContent> = {}): PackageContent => ({
  format: 1,
  kind: 'full',
  eventId,
  deviceId: randomUUID(),
  version: '100',
  since: null,
  issuedAt: new Date().toISOString(),
  policy: 'single',
  cancelled: false,
  graceSeconds: 60,
  gates: [
    { id: 'g1', name: 'North', categories: null },
    { id: 'vip', name: 'VIP', categories: [vip] },
  ],
  keys: [{ keyId: 1, publicKey: key.publicKey }],
  revoked: [],
  ...over,
});

describe('scanner kit (what a scanner app embeds)', () => {
  it('localScanner_admitsOnce_knowsFeedAdmissions_andRefusesRevokedForgedWrongGate', async () => {
    const revokedTicket = randomUUID();
    const s = createLocalScanner(pkg({ revoked: [revokedTicket] }), { ed25519Verify: ed });
    const now = new Date();
    const c1 = code();
    expect((await s.scan(c1, 'g1', 'in', now)).verdict).toBe('admitted');
    expect((await s.scan(c1, 'g1', 'in', now))).toMatchObject({ verdict: 'already-inside', other: { gateId: 'g1' } });
    expect((await s.scan(code(revokedTicket), 'g1', 'in', now)).verdict).toBe('revoked');
    expect((await s.scan(code(randomUUID(), randomUUID()), 'vip', 'in', now)).verdict).toBe('wrong-gate');
    expect((await s.scan(code(randomUUID(), vip), 'vip', 'in', now)).verdict).toBe('admitted');
    const other = randomUUID();
    s.applyFeed([{ t: 'adm', k: other, g: 'vip', at: now.toISOString() }]);
    expect((await s.scan(code(other), 'g1', 'in', now)).verdict).toBe('already-inside');
    const reissued = randomUUID();
    s.applyFeed([{ t: 'rev', k: reissued, i: 1 }]);
    expect((await s.scan(code(reissued, null, 1), 'g1', 'in', now)).verdict).toBe('revoked');
    expect((await s.scan(code(reissued, null, 2), 'g1', 'in', now)).verdict).toBe('admitted');
    const forged = eventKey();
    const signed = encodeSignedPart({ keyId: 1, ticketId: randomUUID(), issue: 1, eventId, placeKind: 'ga', placeId: null, validFrom: new Date(0), validUntil: new Date(Date.now() + 1e7), secret: randomBytes(16) });
    expect((await s.scan(base45Encode(joinSigned(signed, sign(null, signed, forged.privateKey))), 'g1', 'in', now)).verdict).toBe('forged');
    expect((await s.scan('NOT A TICKET', 'g1', 'in', now)).verdict).toBe('unknown');
  });

  it('package_opensWithThePlatformKey_refusesTampering_andDeltaAddsRevocations', async () => {
    const platform = generateKeyPairSync('ed25519');
    const seal = (c: PackageContent) => {
      const body = deflateRawSync(Buffer.from(JSON.stringify(c)));
      return assemblePackage(body, sign(null, packageSigningInput(body), platform.privateKey));
    };
    const check = (m: Uint8Array, s: Uint8Array) => verify(null, m, platform.publicKey, s);
    const full = seal(pkg({ revoked: ['a'] }));
    const opened = await openPackage(full, (b) => inflateRawSync(b), check);
    expect(opened.revoked).toEqual(['a']);
    const tampered = Uint8Array.from(full);
    tampered[tampered.length - 1] ^= 1;
    await expect(openPackage(tampered, (b) => inflateRawSync(b), check)).rejects.toBeInstanceOf(PackageRejected);
    await expect(openPackage(full.slice(0, 40), (b) => inflateRawSync(b), check)).rejects.toBeInstanceOf(PackageRejected);
    const delta = await openPackage(seal(pkg({ kind: 'delta', since: '100', version: '120', revoked: ['b'] })), (b) => inflateRawSync(b), check);
    expect(applyDelta(opened, delta)).toMatchObject({ kind: 'full', version: '120', revoked: ['a', 'b'] });
  });

  it('gateRule_matchesAnyPlaceReference_caseInsensitive', () => {
    expect(gateAdmits({ id: 'g', name: 'all', categories: null }, {})).toBe(true);
    expect(gateAdmits({ id: 'g', name: 'vip', categories: ['ABC'] }, { categoryId: 'abc' })).toBe(true);
    expect(gateAdmits({ id: 'g', name: 'vip', categories: ['abc'] }, { placeId: 'x', areaId: 'y' })).toBe(false);
  });
});
