import { PipeTransform } from '@nestjs/common';
import { BodyIssue, failValidation, objectBody, UUID_PATTERN as UUID, uuidField } from '../../../infrastructure/http/body-checks';
import { ReserveBestAvailableRequest, ReserveQuantityRequest, ReserveSeatsRequest } from './sales.dto';

/**
 * Hand-written validators for the three public reservation bodies (the hottest routes of the API). They enforce
 * exactly the constraints declared on the DTO classes in sales.dto.ts (which stay the OpenAPI documentation) with the
 * same behaviour as the global ValidationPipe — unknown fields refused, 400 REQUEST.VALIDATION_FAILED listing
 * `{ field, message }` with class-validator's wording — but without class-transformer/class-validator's per-request
 * metadata walk. The routes declare their @Body() as `object`, which the global pipe passes through untouched, and
 * use these pipes instead. Keep them in step with the DTOs (sales-flows e2e covers the 400 cases). Shared building
 * blocks: infrastructure/http/body-checks.ts.
 */
type Issue = BodyIssue;
const fail = failValidation;
const uuid = uuidField;

function int(body: Record<string, unknown>, field: string, errors: Issue[]): number {
  const v = body[field];
  if (typeof v !== 'number' || !Number.isInteger(v)) errors.push({ field, message: `${field} must be an integer number` });
  if (!(typeof v === 'number' && v <= 1_000_000)) errors.push({ field, message: `${field} must not be greater than 1000000` });
  if (!(typeof v === 'number' && v >= -1_000_000)) errors.push({ field, message: `${field} must not be less than -1000000` });
  return v as number;
}

export class ReserveSeatsBody implements PipeTransform<unknown, ReserveSeatsRequest> {
  transform(value: unknown): ReserveSeatsRequest {
    const errors: Issue[] = [];
    const body = objectBody(value, ['seatIds'], errors);
    const ids = body.seatIds;
    if (!Array.isArray(ids)) {
      errors.push({ field: 'seatIds', message: 'each value in seatIds must be a UUID' });
      errors.push({ field: 'seatIds', message: 'seatIds must contain no more than 1000 elements' });
      errors.push({ field: 'seatIds', message: 'seatIds must contain at least 1 elements' });
    } else {
      if (!ids.every((id) => typeof id === 'string' && UUID.test(id))) errors.push({ field: 'seatIds', message: 'each value in seatIds must be a UUID' });
      if (ids.length > 1000) errors.push({ field: 'seatIds', message: 'seatIds must contain no more than 1000 elements' });
      if (ids.length < 1) errors.push({ field: 'seatIds', message: 'seatIds must contain at least 1 elements' });
    }
    if (errors.length) fail(errors);
    return Object.assign(new ReserveSeatsRequest(), { seatIds: ids as string[] });
  }
}

export class ReserveBestAvailableBody implements PipeTransform<unknown, ReserveBestAvailableRequest> {
  transform(value: unknown): ReserveBestAvailableRequest {
    const errors: Issue[] = [];
    const body = objectBody(value, ['categoryId', 'quantity', 'allowSplit'], errors);
    const categoryId = uuid(body, 'categoryId', errors);
    const quantity = int(body, 'quantity', errors);
    const allowSplit = body.allowSplit;
    if (allowSplit !== undefined && allowSplit !== null && typeof allowSplit !== 'boolean') {
      errors.push({ field: 'allowSplit', message: 'allowSplit must be a boolean value' });
    }
    if (errors.length) fail(errors);
    const out = Object.assign(new ReserveBestAvailableRequest(), { categoryId, quantity });
    if (allowSplit !== undefined) out.allowSplit = allowSplit as boolean;
    return out;
  }
}

export class ReserveQuantityBody implements PipeTransform<unknown, ReserveQuantityRequest> {
  transform(value: unknown): ReserveQuantityRequest {
    const errors: Issue[] = [];
    const body = objectBody(value, ['areaId', 'quantity'], errors);
    const areaId = uuid(body, 'areaId', errors);
    const quantity = int(body, 'quantity', errors);
    if (errors.length) fail(errors);
    return Object.assign(new ReserveQuantityRequest(), { areaId, quantity });
  }
}
