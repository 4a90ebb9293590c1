import { createPublicKey, KeyObject, verify } from 'node:crypto';
import type { Ed25519Verify } from '../../ticketing/contracts/verification/verify-barcode';

const cache = new Map<string, KeyObject>();

/**
 * Ed25519 verification with node:crypto (synchronous, ~12k/s per core): the server passes it to Ticketing's
 * verification function instead of the WebCrypto default (which costs a promise and a key import per call).
 */
export const nodeEd25519Verify: Ed25519Verify = (publicKey, message, signature) => {
  const id = Buffer.from(publicKey).toString('base64url');
  let key = cache.get(id);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
    if (cache.size > 10_000) cache.clear();
    cache.set(id, key);
  }
  return verify(null, message, key, signature);
};
