import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';

const MINOR = /^\d{1,15}$/;

export class ManualMatchRequest {
  @ApiProperty({ description: 'the order the open amount of this review item is applied to' }) @IsUUID() orderId!: string;
}

export class ReviewRefundRequest {
  @ApiPropertyOptional({ description: 'integer minor units; default: the whole open amount', example: '500' })
  @IsOptional()
  @Matches(MINOR, { message: 'amountMinor must be a positive integer in minor units' })
  amountMinor?: string;
  @ApiPropertyOptional({ description: "payer's IBAN if the statement did not carry it" })
  @IsOptional()
  @Matches(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/, { message: 'creditorIban must be an IBAN without spaces' })
  creditorIban?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 70) creditorName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 140) reason?: string;
}

export class ReviewQueueQuery {
  @ApiPropertyOptional({ enum: ['open', 'resolved', 'all'] }) @IsOptional() @IsIn(['open', 'resolved', 'all']) status?: 'open' | 'resolved' | 'all';
}

export class AccountsQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 40) type?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() ownerId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() eventId?: string;
}

export class CurrencyQuery {
  @ApiPropertyOptional({ example: 'EUR' }) @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
}

export class StatementUploadQuery {
  @ApiPropertyOptional({ enum: ['camt.053', 'mt940'], description: 'default: detected from the content' })
  @IsOptional()
  @IsIn(['camt.053', 'mt940'])
  format?: 'camt.053' | 'mt940';
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) fileName?: string;
}

export class FeeContractRequest {
  @ApiProperty({ example: 'EUR' }) @Matches(/^[A-Z]{3}$/) currency!: string;
  @ApiProperty({ description: 'platform system fee per (non-free) ticket, minor units', example: 150 }) @IsInt() @Min(0) @Max(100_000) systemFeePerTicketMinor!: number;
  @ApiProperty({ description: 'presale commission in basis points (1000 = 10 %)', example: 1000 }) @IsInt() @Min(0) @Max(10_000) commissionBp!: number;
  @ApiProperty({ description: 'minimum commission per ticket, minor units', example: 50 }) @IsInt() @Min(0) @Max(100_000) commissionMinPerTicketMinor!: number;
  @ApiProperty({ description: 'guarantee-fund contribution in per mille of the ticket price', example: 5 }) @IsInt() @Min(0) @Max(1000) guaranteePerMille!: number;
}

export class PayeeAccountRequest {
  @ApiProperty() @IsString() @Length(1, 70) holderName!: string;
  @ApiProperty({ example: 'DE89370400440532013000' }) @Matches(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/, { message: 'iban must be an IBAN without spaces' }) iban!: string;
  @ApiPropertyOptional({ example: 'COBADEFFXXX' }) @IsOptional() @Matches(/^[A-Z0-9]{8}([A-Z0-9]{3})?$/, { message: 'bic must be a BIC' }) bic?: string;
}

export class PayoutRunRequest {
  @ApiPropertyOptional({ description: 'only this organizer' }) @IsOptional() @IsUUID() organizerId?: string;
  @ApiPropertyOptional({ description: 'only this event' }) @IsOptional() @IsUUID() eventId?: string;
}

export class RefundRunRequest {
  @ApiPropertyOptional({ example: 'EUR' }) @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
}

export class RefundsQuery {
  @ApiPropertyOptional({ enum: ['pending', 'issued', 'returned'] })
  @IsOptional()
  @IsIn(['pending', 'issued', 'returned'])
  status?: 'pending' | 'issued' | 'returned';
}

export class RefundCreditorRequest {
  @ApiProperty({ example: 'DE89370400440532013000', description: 'IBAN (spaces allowed); check digits are verified' })
  @IsString()
  @Length(15, 42)
  creditorIban!: string;
  @ApiProperty({ example: 'Erika Mustermann' }) @IsString() @Length(1, 70) creditorName!: string;
}

export class SettlementRequest {
  @ApiProperty() @IsUUID() officeId!: string;
  @ApiProperty({ example: '2026-12-01' }) @IsISO8601({ strict: true }) @Length(10, 10) periodFrom!: string;
  @ApiProperty({ example: '2026-12-31' }) @IsISO8601({ strict: true }) @Length(10, 10) periodTo!: string;
  @ApiPropertyOptional({ example: 'EUR' }) @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
}

export class CardCheckoutRequest {
  @ApiProperty({ example: 'PT-7K3M9Q' }) @IsString() @Length(3, 40) orderNumber!: string;
  @ApiProperty({ description: 'the RF creditor reference from the order confirmation', example: 'RF18 5390 0754 7034' }) @IsString() @Length(5, 40) paymentReference!: string;
}
