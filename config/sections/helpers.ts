import { z } from 'zod';

/** Shared zod helpers for config sections. Environment values are strings; these coerce and bound them. */
export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export { z };
