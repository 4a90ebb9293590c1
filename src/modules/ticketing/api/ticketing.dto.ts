import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min } from 'class-validator';

const SERIAL = /^[A-Z0-9]{1,20}$/;

export class RegisterBatchRequest {
  @ApiProperty({ example: 'Delivery 2026-12 / Sicherheitsdruck GmbH' }) @IsString() @Length(1, 200) label!: string;
  @ApiProperty({ example: 'KR', description: 'serial prefix, 1–8 of A–Z/0–9' }) @Matches(/^[A-Z0-9]{1,8}$/) serialPrefix!: string;
  @ApiProperty({ example: 1 }) @IsInt() @Min(0) @Max(999_999_999_999) firstNumber!: number;
  @ApiProperty({ example: 900, maximum: 100000 }) @IsInt() @Min(1) @Max(100_000) count!: number;
  @ApiPropertyOptional({ example: 7, description: 'digits of the zero-padded number (default: at least 6)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(12)
  numberWidth?: number;
  @ApiProperty({ example: ['UV ink', 'guilloche', 'hologram stripe'], isArray: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  securityFeatures!: string[];
}

export class HandOverRequest {
  @ApiProperty({ description: "the receiving office: a presale office's organization id, or the organizer's own id (its box office)" })
  @IsUUID()
  officeId!: string;
  @ApiPropertyOptional({ example: 'KR000001' }) @IsOptional() @Matches(SERIAL) firstSerial?: string;
  @ApiPropertyOptional({ example: 'KR000300' }) @IsOptional() @Matches(SERIAL) lastSerial?: string;
}

export class VoidBlankRequest {
  @ApiProperty({ example: 'paper jam' }) @IsString() @Length(3, 500) reason!: string;
  @ApiPropertyOptional({ description: 'print the ticket again on the next blank of the same office (used blanks only)' })
  @IsOptional()
  @IsBoolean()
  reprint?: boolean;
}

export class CreatePrintRunRequest {
  @ApiPropertyOptional({ description: 'organizer staff: the office whose stock is used (default: own box office)' }) @IsOptional() @IsUUID() officeId?: string;
  @ApiPropertyOptional({ description: 'all paid, not yet printed tickets of this event (in the caller\'s scope)' }) @IsOptional() @IsUUID() eventId?: string;
  @ApiPropertyOptional({ isArray: true, type: String }) @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(5000) @IsUUID('all', { each: true }) ticketIds?: string[];
  @ApiPropertyOptional({ example: 'KR000001', description: 'serial of the blank on top of the tray' }) @IsOptional() @Matches(SERIAL) firstSerial?: string;
  @ApiPropertyOptional({ description: 'with eventId: also tickets that already have a barcode (they get a new one)' }) @IsOptional() @IsBoolean() includePrinted?: boolean;
}

export class ReprintRequest {
  @ApiPropertyOptional() @IsOptional() @IsUUID() officeId?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(SERIAL) firstSerial?: string;
}

export class RotateKeyRequest {
  @ApiProperty({ description: 'true: the old key is no longer trusted and its barcodes are revoked' }) @IsBoolean() compromised!: boolean;
}

export class VerifyRequest {
  @ApiProperty({ description: 'the scanned barcode text (Base45)' }) @IsString() @MaxLength(2000) code!: string;
  @ApiPropertyOptional({ description: 'ISO time to verify at (default: now)' }) @IsOptional() @IsString() @MaxLength(40) at?: string;
}

export class TrustChangesQuery {
  @ApiProperty({ example: '0' }) @Matches(/^\d{1,18}$/) since!: string;
}
