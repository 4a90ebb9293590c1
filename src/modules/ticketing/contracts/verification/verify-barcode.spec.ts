import fc from 'fast-check';
import { generateKeyPairSync, randomBytes, sign as edSign, KeyObject } from 'node:crypto';
import { base45Decode, base45Encode } from './base45';
import { BARCODE_LENGTH, bytesToUuid, encodeSignedPart, joinSigned, uuidToBytes } from './barcode-payload';
import { createBarcodeVerifier, revocationKey, TrustBundle, verifyTicketBarcode } from './verify-barcode';

const EVENT = '7f1d9a52-4c1e-4f7a-9a3b-0d6b1e2f3a4b';
const TICKET = '2b8c4e1a-9d3f-4a6b-8c7d-1e2f3a4b5c6d';
const SEAT = '0c9e8d7f-6a5b-4c3d-8e1f-2a3b4c5d6e7f';
const from = new Date('2026-12-12T19:00:00Z');
const until = new Date('2026-12-14T19:00:00Z');
const during = new Date('2026-12-13T18:00:00Z');

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: spki.subarray(spki.length - 32).toString('base64url') };
}

function issue(priv: KeyObject, over: Partial<Parameters<typeof encodeSignedPart>[0]> = {}): string {
  const signed = encodeSignedPart({ keyId: 1, ticketId: TICKET, issue: 1, eventId: EVENT, placeKind: 'seat', placeId: SEAT, validFrom: from, validUntil: until, secret: randomBytes(16), ...over });
  return base45Encode(joinSigned(signed, edSign(null, signed, priv)));
}

describe('ticket barcode verification (contracts/verification)', () => {
  const k = keyPair();
  const bundle: TrustBundle = { keys: [{ eventId: EVENT, keyId: 1, publicKey: k.publicKey }], revoked: [] };

  it('verify_whenSignedByEventKey_isValidAndReportsTheTicket', async () => {
    const v = await verifyTicketBarcode(issue(k.privateKey), bundle, during);
    expect(v).toMatchObject({ valid: true, ticket: { ticketId: TICKET, eventId: EVENT, issue: 1, placeKind: 'seat', placeId: SEAT, keyId: 1 } });
  });

  it('base45_roundTrips_anyBytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => Buffer.from(base45Decode(base45Encode(b))!).equals(Buffer.from(b))));
  });

  it('base45Decode_whenAnyCharacterIsOutsideTheAlphabet_isNull', () => {
    const valid = base45Encode(Uint8Array.from([1, 2, 3, 4, 5]));
    fc.assert(
      fc.property(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 0xffff }), (at, code) => {
        const ch = String.fromCharCode(code);
        fc.pre(!'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'.includes(ch));
        return base45Decode(valid.slice(0, at) + ch + valid.slice(at + 1)) === null;
      }),
    );
    expect(base45Decode('GGW')).toBeNull(); // 65535 + 1: out of range
    expect(base45Decode('FGW')).toEqual(Uint8Array.from([0xff, 0xff]));
  });

  it('uuidBytes_roundTrip', () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        const b = new Uint8Array(20);
        uuidToBytes(id, b, 3);
        return bytesToUuid(b, 3) === id.toLowerCase();
      }),
    );
  });

  it('verify_whenAnyBitOfTheRecordIsFlipped_isRefused', async () => {
    const code = issue(k.privateKey);
    const bytes = base45Decode(code)!;
    const verifier = createBarcodeVerifier(bundle);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: BARCODE_LENGTH * 8 - 1 }), async (bit) => {
        const copy = Uint8Array.from(bytes);
        copy[bit >> 3] ^= 1 << (bit & 7);
        const v = await verifier.verify(base45Encode(copy), during);
        return !v.valid && ['MALFORMED', 'UNKNOWN_KEY', 'BAD_SIGNATURE'].includes(v.reason);
      }),
      { numRuns: 400 },
    );
  });

  it('verify_whenTheCodeTextIsCorrupted_isRefused', async () => {
    const code = issue(k.privateKey);
    const verifier = createBarcodeVerifier(bundle);
    await fc.assert(
      fc.asyncProperty(fc.nat(code.length - 1), fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:abc\u00e4'), async (i, ch) => {
        fc.pre(code[i] !== ch);
        const v = await verifier.verify(code.slice(0, i) + ch + code.slice(i + 1), during);
        return !v.valid;
      }),
      { numRuns: 300 },
    );
  });

  it('verify_whenSignedWithAForeignKey_isRefused', async () => {
    const foreign = keyPair();
    expect(await verifyTicketBarcode(issue(foreign.privateKey), bundle, during)).toEqual({ valid: false, reason: 'BAD_SIGNATURE' });
    // a foreign key id (e.g. a compromised key dropped from the trust list) is unknown
    expect(await verifyTicketBarcode(issue(k.privateKey, { keyId: 2 }), bundle, during)).toEqual({ valid: false, reason: 'UNKNOWN_KEY' });
    // a valid barcode of another event, with that event's key, is not admitted at this event
    const other = '11111111-2222-4333-8444-555555555555';
    const both: TrustBundle = { keys: [...bundle.keys, { eventId: other, keyId: 1, publicKey: foreign.publicKey }], revoked: [] };
    const v = await verifyTicketBarcode(issue(foreign.privateKey, { eventId: other }), both, during, { eventId: EVENT });
    expect(v).toMatchObject({ valid: false, reason: 'WRONG_EVENT' });
  });

  it('verify_whenRevoked_isRefused_andOtherIssuesStayValid', async () => {
    const revoked: TrustBundle = { ...bundle, revoked: new Set([revocationKey(TICKET, 1)]) };
    expect(await verifyTicketBarcode(issue(k.privateKey, { issue: 1 }), revoked, during)).toMatchObject({ valid: false, reason: 'REVOKED' });
    expect(await verifyTicketBarcode(issue(k.privateKey, { issue: 2 }), revoked, during)).toMatchObject({ valid: true });
  });

  it('verify_outsideTheValidityWindow_isExpiredOrNotYetValid', async () => {
    const code = issue(k.privateKey);
    expect(await verifyTicketBarcode(code, bundle, new Date(from.getTime() - 1000))).toMatchObject({ valid: false, reason: 'NOT_YET_VALID' });
    expect(await verifyTicketBarcode(code, bundle, new Date(until.getTime() + 1000))).toMatchObject({ valid: false, reason: 'EXPIRED' });
    expect(await verifyTicketBarcode(code, bundle, new Date(until.getTime() + 1000), { graceSeconds: 5 })).toMatchObject({ valid: true });
    expect(await verifyTicketBarcode(code, bundle, from)).toMatchObject({ valid: true });
  });

  it('verify_whenTruncatedOrExtended_isMalformed', async () => {
    const code = issue(k.privateKey);
    const bytes = base45Decode(code)!;
    const verifier = createBarcodeVerifier(bundle);
    for (const n of [0, 1, 2, 79, 80, 100, BARCODE_LENGTH - 1]) {
      expect(await verifier.verify(base45Encode(bytes.subarray(0, n)), during)).toEqual({ valid: false, reason: 'MALFORMED' });
      expect(await verifier.verify(code.slice(0, Math.floor((n * 3) / 2)), during)).toMatchObject({ valid: false, reason: 'MALFORMED' });
    }
    expect(await verifier.verify(base45Encode(Uint8Array.from([...bytes, 0])), during)).toEqual({ valid: false, reason: 'MALFORMED' });
    expect(await verifier.verify('', during)).toEqual({ valid: false, reason: 'MALFORMED' });
    expect(await verifier.verify('not base45 at all!', during)).toEqual({ valid: false, reason: 'MALFORMED' });
  });

  it('verify_withAnInjectedEd25519Implementation_usesIt', async () => {
    const calls: number[] = [];
    const v = await verifyTicketBarcode(issue(k.privateKey), bundle, during, { ed25519Verify: (pk, m, s) => (calls.push(pk.length + m.length + s.length), false) });
    expect(calls).toEqual([32 + 80 + 64]);
    expect(v).toEqual({ valid: false, reason: 'BAD_SIGNATURE' });
  });

  it('verificationFolder_importsNothingButItself', () => {
    // scanner clients embed the folder: no framework, no Node-only module
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    const path = jest.requireActual<typeof import('node:path')>('node:path');
    for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.ts') && !n.endsWith('.spec.ts'))) {
      const src = fs.readFileSync(path.join(__dirname, f), 'utf8');
      const imports = [...src.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((i) => !i.startsWith('./'))).toEqual([]);
      expect(src).not.toMatch(/\bBuffer\b|\brequire\(|process\./);
    }
  });
});
