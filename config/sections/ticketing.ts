import { z } from './helpers';

/**
 * Settings owned by the ticketing module (documented in .env.example). Each key is an environment variable; keep the
 * defaults safe for development and tests.
 */
export const ticketingSettings = {} satisfies z.ZodRawShape;
