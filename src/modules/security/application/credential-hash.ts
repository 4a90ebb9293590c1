import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 for high-entropy bearer secrets (session tokens, API key secrets). Passwords use Argon2id instead. */
export const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
