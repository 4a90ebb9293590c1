/**
 * The offline package a scanner downloads per event: everything it needs to decide alone, and nothing that grows with
 * the number of valid tickets (signed barcodes carry their own data). Pure TypeScript, no framework and no Node-only
 * API: a scanner app embeds this file together with Ticketing's `contracts/verification` folder.
 *
 * Wire format (binary, `application/vnd.proticket.scan-package`):
 *
 * | offset | size | field                                                                  |
 * |-------:|-----:|------------------------------------------------------------------------|
 * |      0 |    4 | magic "PTAC"                                                           |
 * |      4 |    1 | format version (1)                                                     |
 * |      5 |   64 | Ed25519 signature of the platform package key over bytes 0..4 ++ body  |
 * |     69 |    n | body: raw DEFLATE (RFC 1951) of the UTF-8 JSON `PackageContent`         |
 *
 * The platform's package public key is published at `GET /access-control/package-key` and pinned in the app.
 */

export const PACKAGE_MAGIC = [0x50, 0x54, 0x41, 0x43]; // "PTAC"
export const PACKAGE_FORMAT = 1;
export const PACKAGE_HEADER_LENGTH = 5;
export const PACKAGE_SIGNATURE_LENGTH = 64;

export interface PackageGate {
  id: string;
  name: string;
  /** Admitted categories (barcode place ids); null = all. */
  categories: string[] | null;
}

export interface PackageKey {
  keyId: number;
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
}

export interface PackageContent {
  format: 1;
  /** full: the whole trust state; delta: `revoked` holds only entries added since `since`. */
  kind: 'full' | 'delta';
  eventId: string;
  deviceId: string;
  /** Opaque cursor: pass it as `since` to get the next delta. */
  version: string;
  since: string | null;
  issuedAt: string;
  policy: 'single' | 'entry-exit' | 'multiple';
  cancelled: boolean;
  graceSeconds: number;
  gates: PackageGate[];
  keys: PackageKey[];
  /** `ticketId#issue` (one barcode) or `ticketId` (every barcode of the ticket). */
  revoked: string[];
}

/** The bytes the platform signs: header ++ compressed body. */
export function packageSigningInput(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(PACKAGE_HEADER_LENGTH + body.length);
  out.set(PACKAGE_MAGIC, 0);
  out[4] = PACKAGE_FORMAT;
  out.set(body, PACKAGE_HEADER_LENGTH);
  return out;
}

export function assemblePackage(body: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== PACKAGE_SIGNATURE_LENGTH) throw new Error('signature must be 64 bytes');
  const out = new Uint8Array(PACKAGE_HEADER_LENGTH + PACKAGE_SIGNATURE_LENGTH + body.length);
  out.set(PACKAGE_MAGIC, 0);
  out[4] = PACKAGE_FORMAT;
  out.set(signature, PACKAGE_HEADER_LENGTH);
  out.set(body, PACKAGE_HEADER_LENGTH + PACKAGE_SIGNATURE_LENGTH);
  return out;
}

export type Inflate = (deflated: Uint8Array) => Uint8Array | Promise<Uint8Array>;
export type PackageSignatureCheck = (message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>;

export class PackageRejected extends Error {}

/**
 * Checks the platform signature, inflates and parses a package. `inflate` is raw DEFLATE (browser:
 * `new DecompressionStream('deflate-raw')`; Node: `zlib.inflateRawSync`); `checkSignature` verifies Ed25519 with the
 * pinned platform package key (WebCrypto `subtle.verify('Ed25519', …)`).
 */
export async function openPackage(bytes: Uint8Array, inflate: Inflate, checkSignature: PackageSignatureCheck): Promise<PackageContent> {
  const minimum = PACKAGE_HEADER_LENGTH + PACKAGE_SIGNATURE_LENGTH;
  if (bytes.length <= minimum) throw new PackageRejected('package too short');
  for (let i = 0; i < 4; i++) if (bytes[i] !== PACKAGE_MAGIC[i]) throw new PackageRejected('not a scanner package');
  if (bytes[4] !== PACKAGE_FORMAT) throw new PackageRejected(`unknown package format ${bytes[4]}`);
  const signature = bytes.slice(PACKAGE_HEADER_LENGTH, minimum);
  const body = bytes.slice(minimum);
  let ok = false;
  try {
    ok = await checkSignature(packageSigningInput(body), signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new PackageRejected('package signature does not verify');
  const json = new TextDecoder().decode(await inflate(body));
  const content = JSON.parse(json) as PackageContent;
  if (content.format !== 1 || (content.kind !== 'full' && content.kind !== 'delta')) throw new PackageRejected('unexpected package content');
  return content;
}

/** Applies a delta to a full package (same event); returns the new full state. */
export function applyDelta(base: PackageContent, delta: PackageContent): PackageContent {
  if (delta.kind === 'full') return delta;
  if (delta.eventId !== base.eventId) throw new PackageRejected('delta for another event');
  const revoked = new Set(base.revoked);
  for (const r of delta.revoked) revoked.add(r);
  return { ...delta, kind: 'full', since: null, revoked: [...revoked] };
}
