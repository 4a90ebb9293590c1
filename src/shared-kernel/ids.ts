import { randomBytes, randomUUID } from 'node:crypto';

/** UUIDs for entities and events; opaque random tokens for credentials (base64url, CSPRNG). */
export const newId = (): string => randomUUID();
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
/** `count` independent tokens of `bytes` random bytes each, from one CSPRNG call (a batch of holds needs one per hold). */
export const randomTokens = (count: number, bytes = 32): string[] => {
  const buf = randomBytes(count * bytes);
  return Array.from({ length: count }, (_, i) => buf.toString('base64url', i * bytes, (i + 1) * bytes));
};
