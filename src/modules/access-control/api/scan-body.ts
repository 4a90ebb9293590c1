import { PipeTransform } from '@nestjs/common';
import { isIn, isISO8601, isString, isUUID, matches, maxLength } from 'class-validator';
import { absent, BodyIssue, failValidation, objectBody } from '../../../infrastructure/http/body-checks';
import { SCAN_ID, ScanRequest } from './access-control.dto';

/**
 * Hand-written validation of the online scan body (the scanner's hot route): the constraints declared on ScanRequest
 * (which stays the OpenAPI documentation), checked with class-validator's own functions and messages, without the
 * ValidationPipe's per-request metadata walk and class-transformer copy. scan-body.spec.ts compares it with the global
 * ValidationPipe on the same inputs; keep the two in step.
 */
export class ScanBody implements PipeTransform<unknown, ScanRequest> {
  transform(value: unknown): ScanRequest {
    const errors: BodyIssue[] = [];
    const body = objectBody(value, ['barcode', 'gateId', 'direction', 'scanId', 'deviceTime'], errors);
    const { barcode, gateId, direction, scanId, deviceTime } = body;
    if (!maxLength(barcode, 1024)) errors.push({ field: 'barcode', message: 'barcode is longer than any ticket barcode (1024 characters max)' });
    if (!isString(barcode)) errors.push({ field: 'barcode', message: 'barcode must be a string' });
    if (!absent(gateId) && !isUUID(gateId, 'all')) errors.push({ field: 'gateId', message: 'gateId must be a UUID' });
    if (!absent(direction) && !isIn(direction, ['in', 'out'])) errors.push({ field: 'direction', message: 'direction must be one of the following values: in, out' });
    if (!matches(scanId as string, SCAN_ID)) errors.push({ field: 'scanId', message: 'scanId must be 1–100 printable ASCII characters' });
    if (!isString(scanId)) errors.push({ field: 'scanId', message: 'scanId must be a string' });
    if (!absent(deviceTime) && !isISO8601(deviceTime, { strict: true })) errors.push({ field: 'deviceTime', message: 'deviceTime must be a valid ISO 8601 date string' });
    if (errors.length) failValidation(errors);
    return Object.assign(new ScanRequest(), body);
  }
}
