import { z } from './helpers';

/**
 * Settings owned by the sales module (documented in .env.example). Each key is an environment variable; keep the
 * defaults safe for development and tests.
 */
export const salesSettings = {} satisfies z.ZodRawShape;
