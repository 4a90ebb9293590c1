/**
 * Offline verification of a ticket barcode: payload + the event's public keys + its revocation list + now → verdict.
 *
 * Deliberately self-contained: plain TypeScript, no framework, no Node-only API. Signatures are checked with the
 * standard WebCrypto Ed25519 (`globalThis.crypto.subtle`, present in browsers, Android WebViews and Node ≥ 18), or
 * with any Ed25519 implementation the caller passes as `ed25519Verify`. A scanner app can copy this folder as is.
 */
import { base45Decode } from './base45';
import { DecodedBarcode, decodeBarcodeBytes, PlaceKind } from './barcode-payload';

/** One public key a scanner trusts: raw 32-byte Ed25519 key, base64url-encoded (JSON-friendly). */
export interface TrustedKey {
  eventId: string;
  keyId: number;
  publicKey: string;
}

/** What a scanner needs for one or more events. `revoked` holds `revocationKey(ticketId, issue)` strings. */
export interface TrustBundle {
  keys: readonly TrustedKey[];
  revoked: ReadonlySet<string> | readonly string[];
}

export type RejectReason =
  | 'MALFORMED' // not Base45, wrong length, unknown format version, truncated
  | 'UNKNOWN_KEY' // no trusted key for (event, key id): foreign, retired or compromised key
  | 'BAD_SIGNATURE' // the record was altered or signed by someone else
  | 'WRONG_EVENT' // valid, but for another event than the one being scanned
  | 'REVOKED' // reprinted, re-issued, cancelled or refunded
  | 'NOT_YET_VALID'
  | 'EXPIRED';

export interface VerifiedTicket {
  ticketId: string;
  issue: number;
  eventId: string;
  keyId: number;
  placeKind: PlaceKind;
  placeId: string | null;
  validFrom: Date;
  validUntil: Date;
}

export type Verdict = { valid: true; ticket: VerifiedTicket } | { valid: false; reason: RejectReason; ticket?: VerifiedTicket };

export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean> | boolean;

export interface VerifyOptions {
  /** Only accept barcodes of this event (a scanner at one event's entrance). */
  eventId?: string;
  /** Tolerated clock difference at both ends of the validity window, seconds (default 0). */
  graceSeconds?: number;
  /** Signature check; defaults to WebCrypto Ed25519. */
  ed25519Verify?: Ed25519Verify;
}

/** The revocation list's entry for one issued barcode. */
export const revocationKey = (ticketId: string, issue: number): string => `${ticketId.toLowerCase()}#${issue}`;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** base64url (or standard base64) → bytes; pure TypeScript (no runtime helpers). */
export function fromBase64Url(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new Error('invalid base64');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

interface SubtleLike {
  importKey(format: 'raw', key: Uint8Array, alg: { name: string }, extractable: boolean, usages: string[]): Promise<unknown>;
  verify(alg: { name: string }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

/** Default Ed25519 check through WebCrypto; imported keys are cached per key string. */
function webCryptoVerifier(): Ed25519Verify {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
  if (!subtle) throw new Error('no WebCrypto available: pass ed25519Verify');
  const cache = new Map<string, Promise<unknown>>();
  return async (pk, msg, sig) => {
    const id = Array.from(pk, (b) => b.toString(16).padStart(2, '0')).join('');
    let key = cache.get(id);
    if (!key) {
      key = subtle.importKey('raw', pk, { name: 'Ed25519' }, false, ['verify']);
      cache.set(id, key);
    }
    return subtle.verify({ name: 'Ed25519' }, await key, sig, msg);
  };
}

/** A reusable verifier for one trust bundle (keys are decoded once). */
export function createBarcodeVerifier(bundle: TrustBundle, options: VerifyOptions = {}) {
  const keys = new Map<string, Uint8Array>();
  for (const k of bundle.keys) {
    const raw = fromBase64Url(k.publicKey);
    if (raw.length === 32) keys.set(`${k.eventId.toLowerCase()}/${k.keyId}`, raw);
  }
  const revoked: ReadonlySet<string> = bundle.revoked instanceof Set ? bundle.revoked : new Set(bundle.revoked as readonly string[]);
  const check = options.ed25519Verify ?? webCryptoVerifier();
  const graceMs = (options.graceSeconds ?? 0) * 1000;

  const verifyDecoded = async (d: DecodedBarcode, now: Date): Promise<Verdict> => {
    const ticket: VerifiedTicket = {
      ticketId: d.ticketId,
      issue: d.issue,
      eventId: d.eventId,
      keyId: d.keyId,
      placeKind: d.placeKind,
      placeId: d.placeId,
      validFrom: d.validFrom,
      validUntil: d.validUntil,
    };
    const pk = keys.get(`${d.eventId}/${d.keyId}`);
    if (!pk) return { valid: false, reason: 'UNKNOWN_KEY' };
    let ok = false;
    try {
      ok = await check(pk, d.signedPart, d.signature);
    } catch {
      ok = false;
    }
    if (!ok) return { valid: false, reason: 'BAD_SIGNATURE' };
    // From here on the record is authentic: reporting its content is safe.
    if (options.eventId && options.eventId.toLowerCase() !== d.eventId) return { valid: false, reason: 'WRONG_EVENT', ticket };
    if (revoked.has(revocationKey(d.ticketId, d.issue))) return { valid: false, reason: 'REVOKED', ticket };
    const t = now.getTime();
    if (t + graceMs < d.validFrom.getTime()) return { valid: false, reason: 'NOT_YET_VALID', ticket };
    if (t - graceMs > d.validUntil.getTime()) return { valid: false, reason: 'EXPIRED', ticket };
    return { valid: true, ticket };
  };

  return {
    async verify(code: string | Uint8Array, now: Date): Promise<Verdict> {
      const bytes = typeof code === 'string' ? base45Decode(code.trim()) : code;
      const d = bytes && decodeBarcodeBytes(bytes);
      if (!d) return { valid: false, reason: 'MALFORMED' };
      return verifyDecoded(d, now);
    },
    /** `verify` for a record the caller has already decoded with `decodeBarcodeBytes` (saves decoding it twice). */
    verifyDecoded,
  };
}

/** One-shot form: `verifyTicketBarcode(scanned, bundle, new Date())`. */
export function verifyTicketBarcode(code: string | Uint8Array, bundle: TrustBundle, now: Date, options: VerifyOptions = {}): Promise<Verdict> {
  return createBarcodeVerifier(bundle, options).verify(code, now);
}
