import { createPublicKey, KeyObject, verify } from 'node:crypto';
import type { Ed25519Verify } from '../../ticketing/contracts/verification/verify-barcode';

const keys = new Map<string, KeyObject>();

/**
 * Verdicts of recent signature checks, keyed by the bytes themselves (the three lengths, public key, message,
 * signature, as a latin1 string — ~180 characters for a ticket): a ticket scanned again (the gate's second try,
 * re-entry, the already-inside answer) costs a map lookup instead of an Ed25519 verification (~80–120 µs). Exact on
 * every bit of the input, so a cached verdict is the verdict the check would give. Bounded (~25 MB when full): cleared
 * when full.
 */
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 100_000;
/** Checks running in the thread pool, so that a code scanned twice at once is verified once. */
const running = new Map<string, Promise<boolean>>();

/**
 * Ed25519 verification with node:crypto: the server passes it to Ticketing's verification function instead of the
 * WebCrypto default (which costs a key import per call). A verdict seen before is answered at once; a new signature is
 * checked in libuv's thread pool (`crypto.verify` with a callback), not on the event loop: the ~80–120 µs of curve
 * arithmetic per new ticket then runs beside request handling instead of inside it, and the event loop — the one
 * thread every scan request needs — only pays for the hand-off.
 */
export const nodeEd25519Verify: Ed25519Verify = (publicKey, message, signature) => {
  const lengths = Buffer.from(Uint32Array.of(publicKey.length, message.length, signature.length).buffer);
  const id = Buffer.concat([lengths, publicKey, message, signature]).toString('latin1');
  const known = verdicts.get(id);
  if (known !== undefined) return known;
  let pending = running.get(id);
  if (!pending) {
    pending = verifyInPool(publicKey, message, signature).then(
      (ok) => {
        running.delete(id);
        if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
        verdicts.set(id, ok);
        return ok;
      },
      (e: unknown) => {
        running.delete(id);
        throw e;
      },
    );
    running.set(id, pending);
  }
  return pending;
};

function verifyInPool(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const id = Buffer.from(publicKey).toString('base64url');
  let key = keys.get(id);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
    if (keys.size > 10_000) keys.clear();
    keys.set(id, key);
  }
  const k = key;
  return new Promise((resolve, reject) => verify(null, message, k, signature, (err, ok) => (err ? reject(err) : resolve(ok))));
}
