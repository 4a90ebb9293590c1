/**
 * The ticket barcode's binary record (format version 1), big-endian, 144 bytes:
 *
 * | offset | size | field                                                        |
 * |-------:|-----:|--------------------------------------------------------------|
 * |      0 |    1 | format version (1)                                           |
 * |      1 |    4 | signing key id (per event, rotatable)                        |
 * |      5 |   16 | ticket id (UUID)                                             |
 * |     21 |    2 | issue number (1 = first print; reprint/reissue increments)   |
 * |     23 |   16 | event id (UUID)                                              |
 * |     39 |    1 | place kind: 1 = reserved seat, 2 = general admission         |
 * |     40 |   16 | seat id (seat) or area/category id (GA), UUID (zero if none) |
 * |     56 |    4 | valid from (Unix seconds)                                    |
 * |     60 |    4 | valid until (Unix seconds)                                   |
 * |     64 |   16 | secret: 128 random bits from a CSPRNG, unique per barcode    |
 * |     80 |   64 | Ed25519 signature over bytes 0..79                           |
 *
 * The printed content is this record in Base45 (216 characters). Pure TypeScript, no runtime APIs.
 */
export const BARCODE_FORMAT_VERSION = 1;
export const SIGNED_LENGTH = 80;
export const SIGNATURE_LENGTH = 64;
export const BARCODE_LENGTH = SIGNED_LENGTH + SIGNATURE_LENGTH;
export const SECRET_LENGTH = 16;

export type PlaceKind = 'seat' | 'ga';

export interface BarcodeFields {
  keyId: number;
  ticketId: string;
  issue: number;
  eventId: string;
  placeKind: PlaceKind;
  /** Seat id for seats, area (GA category) id for general admission; null when unknown. */
  placeId: string | null;
  validFrom: Date;
  validUntil: Date;
  /** 16 bytes from a CSPRNG. */
  secret: Uint8Array;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function uuidToBytes(id: string, into: Uint8Array, at: number): void {
  if (!UUID.test(id)) throw new Error(`not a UUID: ${id}`);
  const hex = id.replace(/-/g, '');
  for (let i = 0; i < 16; i++) into[at + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bytesToUuid(b: Uint8Array, at: number): string {
  const h = (i: number) => HEX[b[at + i]];
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

const u32 = (v: number, name: string): number => {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${name} out of range`);
  return v;
};

/** The 80 bytes that get signed. Throws on malformed input (a programming error on the issuing side). */
export function encodeSignedPart(f: BarcodeFields): Uint8Array {
  if (f.secret.length !== SECRET_LENGTH) throw new Error('secret must be 16 bytes');
  if (!Number.isInteger(f.issue) || f.issue < 1 || f.issue > 0xffff) throw new Error('issue out of range');
  const b = new Uint8Array(SIGNED_LENGTH);
  const v = new DataView(b.buffer);
  b[0] = BARCODE_FORMAT_VERSION;
  v.setUint32(1, u32(f.keyId, 'keyId'));
  uuidToBytes(f.ticketId, b, 5);
  v.setUint16(21, f.issue);
  uuidToBytes(f.eventId, b, 23);
  b[39] = f.placeKind === 'seat' ? 1 : 2;
  uuidToBytes(f.placeId ?? ZERO_UUID, b, 40);
  v.setUint32(56, u32(Math.floor(f.validFrom.getTime() / 1000), 'validFrom'));
  v.setUint32(60, u32(Math.floor(f.validUntil.getTime() / 1000), 'validUntil'));
  b.set(f.secret, 64);
  return b;
}

export function joinSigned(signedPart: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signedPart.length !== SIGNED_LENGTH || signature.length !== SIGNATURE_LENGTH) throw new Error('bad lengths');
  const out = new Uint8Array(BARCODE_LENGTH);
  out.set(signedPart, 0);
  out.set(signature, SIGNED_LENGTH);
  return out;
}

export interface DecodedBarcode extends BarcodeFields {
  version: number;
  signedPart: Uint8Array;
  signature: Uint8Array;
}

/** Parses the 144-byte record; null when the length or version is wrong (no signature check here). */
export function decodeBarcodeBytes(b: Uint8Array): DecodedBarcode | null {
  if (b.length !== BARCODE_LENGTH) return null;
  if (b[0] !== BARCODE_FORMAT_VERSION) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const kind = b[39];
  if (kind !== 1 && kind !== 2) return null;
  const placeId = bytesToUuid(b, 40);
  return {
    version: b[0],
    keyId: v.getUint32(1),
    ticketId: bytesToUuid(b, 5),
    issue: v.getUint16(21),
    eventId: bytesToUuid(b, 23),
    placeKind: kind === 1 ? 'seat' : 'ga',
    placeId: placeId === ZERO_UUID ? null : placeId,
    validFrom: new Date(v.getUint32(56) * 1000),
    validUntil: new Date(v.getUint32(60) * 1000),
    // views, not copies: the parts are only read (the caller's array is not modified either)
    secret: b.subarray(64, 80),
    signedPart: b.subarray(0, SIGNED_LENGTH),
    signature: b.subarray(SIGNED_LENGTH),
  };
}
