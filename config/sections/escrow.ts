import { z } from './helpers';

/**
 * Settings owned by the escrow module (documented in .env.example). Each key is an environment variable; keep the
 * defaults safe for development and tests.
 */
export const escrowSettings = {} satisfies z.ZodRawShape;
