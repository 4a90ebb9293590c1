import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { REENTRY_POLICIES, ReentryPolicy, ScanVerdict, VERDICTS } from '../domain/verdict';

export class ConfigureEventRequest {
  @ApiProperty({ enum: REENTRY_POLICIES, description: 'single: one entry; entry-exit: leave and come back; multiple: any number of entries' })
  @IsIn(REENTRY_POLICIES)
  reentryPolicy!: ReentryPolicy;
}

export class CreateGateRequest {
  @ApiProperty({ example: 'North entrance' }) @IsString() @Length(1, 100) name!: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'Admitted ticket categories: GA area / price category ids as Sales reports them (omit = every ticket)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  categories?: string[];
}

export class CreateDeviceRequest {
  @ApiProperty({ example: 'Gate 3 phone' }) @IsString() @Length(1, 100) name!: string;
  @ApiProperty({ type: [String], description: 'events the device may scan' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  eventIds!: string[];
  @ApiPropertyOptional({ type: [String], description: 'restrict the device to these gates (omit = every gate of its events)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsUUID('all', { each: true })
  gateIds?: string[];
}

export class EnrolRequest {
  @ApiProperty({ example: 'K7M2-Q9XP-4RTW', description: 'the one-time enrolment code shown by the organizer portal' })
  @IsString()
  @Length(1, 40)
  code!: string;
}

export const SCAN_ID = /^[\x21-\x7e]{1,100}$/;

export class ScanRequest {
  @ApiProperty({ description: 'the scanned barcode content (Base45 text)', maxLength: 1024 })
  @IsString()
  @MaxLength(1024, { message: 'barcode is longer than any ticket barcode (1024 characters max)' })
  barcode!: string;
  @ApiPropertyOptional({ description: 'may be omitted by a device enrolled for exactly one gate' })
  @IsOptional()
  @IsUUID('all')
  gateId?: string;
  @ApiPropertyOptional({ enum: ['in', 'out'], default: 'in' }) @IsOptional() @IsIn(['in', 'out']) direction?: 'in' | 'out';
  @ApiProperty({ description: 'unique per device: a retry with the same id returns the same verdict', example: 'g1-000123' })
  @IsString()
  @Matches(SCAN_ID, { message: 'scanId must be 1–100 printable ASCII characters' })
  scanId!: string;
  @ApiPropertyOptional({ example: '2026-12-04T19:30:00.000Z', description: 'recorded; online decisions use the server clock (default: now)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  deviceTime?: string;
}

export class OfflineScan extends ScanRequest {
  @ApiProperty({ example: '2026-12-04T19:30:00.000Z', description: 'offline scans are judged at their device time' })
  @IsISO8601({ strict: true })
  declare deviceTime: string;

  @ApiProperty({ enum: VERDICTS, description: 'what the device decided on its own' }) @IsIn(VERDICTS) localVerdict!: ScanVerdict;
}

export class OfflineUploadRequest {
  @ApiProperty({ type: [OfflineScan] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => OfflineScan)
  scans!: OfflineScan[];
}

export class FeedQuery {
  @ApiPropertyOptional({ description: 'cursor from the previous page (omit or 0: from the beginning)' })
  @IsOptional()
  @IsString()
  @MaxLength(30000)
  cursor?: string;
  @ApiPropertyOptional({ description: 'long-poll: seconds to wait for news (0 = answer at once)', example: '25' })
  @IsOptional()
  @Matches(/^\d{1,3}$/)
  wait?: string;
}

export class PackageQuery {
  @ApiPropertyOptional({ description: 'version of the package the device holds: the answer is a delta since then' })
  @IsOptional()
  @IsString()
  @MaxLength(30000)
  since?: string;
}

export class ScanResponse {
  @ApiProperty({ enum: VERDICTS }) verdict!: ScanVerdict;
  @ApiPropertyOptional({ description: 'present (true) when this answers a retry of a scan already recorded' }) replay?: true;
  @ApiPropertyOptional({ description: 'the ticket the barcode names, once its signature checked out' }) ticketId?: string;
  @ApiPropertyOptional({ description: 'already-inside: when and at which gate the ticket entered' }) entered?: { gateId: string; gateName: string | null; at: string };
}
