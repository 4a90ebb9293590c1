import { DomainError } from '../../shared-kernel/domain-error';

/**
 * Building blocks for hand-written body validators on the hottest routes (shop holds, scanner scans). They behave like
 * the global ValidationPipe (createValidationPipe): unknown fields refused, 400 REQUEST.VALIDATION_FAILED listing
 * `{ field, message }` in class-validator's wording — without class-transformer/class-validator's per-request
 * metadata walk. The DTO classes stay the OpenAPI documentation; each hand-written pipe has a test that compares it
 * with the ValidationPipe on the same inputs.
 */
export type BodyIssue = { field: string; message: string };

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function failValidation(errors: BodyIssue[]): never {
  throw new DomainError('REQUEST.VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'invalid request', 'validation', { errors });
}

/**
 * The body as an object; every field not in `allowed` is an issue ("property x should not exist"). A body that is not
 * a JSON object (null, an array, a string) is judged as an empty one — every required field is reported missing —
 * as the ValidationPipe does.
 */
export function objectBody(value: unknown, allowed: readonly string[], errors: BodyIssue[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const body = value as Record<string, unknown>;
  for (const k of Object.keys(body)) if (!allowed.includes(k)) errors.push({ field: k, message: `property ${k} should not exist` });
  return body;
}

export function uuidField(body: Record<string, unknown>, field: string, errors: BodyIssue[]): string {
  const v = body[field];
  if (typeof v !== 'string' || !UUID_PATTERN.test(v)) errors.push({ field, message: `${field} must be a UUID` });
  return v as string;
}

/** Absent (undefined or null, as class-validator's @IsOptional) or not. */
export const absent = (v: unknown): v is undefined | null => v === undefined || v === null;
