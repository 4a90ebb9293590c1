import { randomBytes, randomUUID } from 'node:crypto';

/** UUIDs for entities and events; opaque random tokens for credentials (base64url, CSPRNG). */
export const newId = (): string => randomUUID();
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
