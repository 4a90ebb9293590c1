import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

/** UUIDs for entities and events; opaque random tokens for credentials (base64url, CSPRNG). */
export const newId = (): string => randomUUID();
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/**
 * CSPRNG bytes for the hot path, handed out from a pooled buffer that one `randomFillSync` refills — the way Node's
 * own `randomUUID` buffers its entropy. A call into OpenSSL per batch of holds was ~2 % of the event loop's time in
 * bench:reserve; a refill per 8 KiB is one call per ~20 batches. Every byte is handed out once: the offset only moves
 * forward and a refill overwrites bytes that were all handed out before.
 */
const POOL_BYTES = 8192;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `count` independent tokens of `bytes` random bytes each (a batch of holds needs one per hold). */
export const randomTokens = (count: number, bytes = 32): string[] => {
  const n = count * bytes;
  let buf = pool;
  let start = 0;
  if (n > POOL_BYTES) buf = randomBytes(n);
  else {
    if (poolOffset + n > POOL_BYTES) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    start = poolOffset;
    poolOffset += n;
  }
  // encoded at once: the strings copy the bytes, so a later refill cannot change a token that was handed out
  return Array.from({ length: count }, (_, i) => buf.toString('base64url', start + i * bytes, start + (i + 1) * bytes));
};
