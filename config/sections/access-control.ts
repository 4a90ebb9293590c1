import { z } from './helpers';

/**
 * Settings owned by the access-control module (documented in .env.example). Each key is an environment variable; keep the
 * defaults safe for development and tests.
 */
export const accessControlSettings = {} satisfies z.ZodRawShape;
