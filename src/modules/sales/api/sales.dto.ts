import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { z } from 'zod';

const REDUCTION = /^[a-z][a-z0-9-]{0,31}$/;
const CONTINGENT_KINDS = ['reserve', 'online', 'box-office', 'presale-office', 'pool'] as const;

export class CreateVenueRequest {
  @ApiProperty({ example: 'Stadthalle Musterstadt' }) @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) address?: string;
}

/** Seating plans are validated with zod (fast on 20,000 seats); this class only documents the shape in OpenAPI. */
export const planSchema = z
  .object({
    name: z.string().min(1).max(200),
    stage: z.object({ x: z.number().finite(), y: z.number().finite() }).strict().nullish(),
    blocks: z
      .array(
        z
          .object({
            name: z.string().min(1).max(100),
            rows: z.array(
              z
                .object({
                  label: z.string().min(1).max(20),
                  seats: z.array(
                    z
                      .object({
                        label: z.string().min(1).max(20),
                        x: z.number().finite(),
                        y: z.number().finite(),
                        category: z.string().min(1).max(40),
                        wheelchair: z.boolean().optional(),
                        companion: z.boolean().optional(),
                        position: z.number().int().min(0).max(100_000).optional(),
                      })
                      .strict(),
                  ),
                })
                .strict(),
            ),
          })
          .strict(),
      )
      .max(1000)
      .default([]),
    areas: z
      .array(z.object({ name: z.string().min(1).max(100), category: z.string().min(1).max(40), capacity: z.number().int().min(1).max(500_000) }).strict())
      .max(100)
      .default([]),
  })
  .strict();

class PlanSeatDoc {
  @ApiProperty({ example: '12' }) label!: string;
  @ApiProperty() x!: number;
  @ApiProperty() y!: number;
  @ApiProperty({ example: 'A', description: 'seat category key; the event gives it a name and prices' }) category!: string;
  @ApiPropertyOptional() wheelchair?: boolean;
  @ApiPropertyOptional() companion?: boolean;
  @ApiPropertyOptional({ description: 'position in the row (default: index); a gap between positions is an aisle' }) position?: number;
}
class PlanRowDoc {
  @ApiProperty({ example: '3' }) label!: string;
  @ApiProperty({ type: [PlanSeatDoc] }) seats!: PlanSeatDoc[];
}
class PlanBlockDoc {
  @ApiProperty({ example: 'Parkett links' }) name!: string;
  @ApiProperty({ type: [PlanRowDoc] }) rows!: PlanRowDoc[];
}
class PlanAreaDoc {
  @ApiProperty({ example: 'Stehplatz Innenraum' }) name!: string;
  @ApiProperty({ example: 'GA' }) category!: string;
  @ApiProperty({ example: 5000 }) capacity!: number;
}
class PointDoc {
  @ApiProperty() x!: number;
  @ApiProperty() y!: number;
}
export class SeatingPlanDoc {
  @ApiProperty() name!: string;
  @ApiPropertyOptional({ type: PointDoc, description: 'seats are ranked by distance to it (best available)' }) stage?: PointDoc;
  @ApiProperty({ type: [PlanBlockDoc] }) blocks!: PlanBlockDoc[];
  @ApiProperty({ type: [PlanAreaDoc] }) areas!: PlanAreaDoc[];
}

export class PriceCategoryRequest {
  @ApiProperty({ example: 'A', description: 'category key used by the plan' }) @IsString() @Length(1, 40) key!: string;
  @ApiProperty({ example: 'Kategorie 1' }) @IsString() @Length(1, 100) name!: string;
  @ApiProperty({
    example: { adult: 4500, child: 2500, reduced: 3500, complimentary: 0 },
    description: 'reduction → price in integer minor units of the event currency',
  })
  @IsObject()
  prices!: Record<string, number>;
}

export class ContingentRefDto {
  @ApiProperty({ enum: CONTINGENT_KINDS }) @IsIn(CONTINGENT_KINDS) kind!: (typeof CONTINGENT_KINDS)[number];
  @ApiPropertyOptional({ description: 'presale office organization id (kind presale-office)' }) @IsOptional() @IsUUID() officeId?: string;
}

export class CreateEventRequest {
  @ApiProperty() @IsUUID() planId!: string;
  @ApiProperty() @IsString() @Length(1, 200) name!: string;
  @ApiProperty() @IsISO8601({ strict: true }) startsAt!: string;
  @ApiProperty() @IsISO8601({ strict: true }) salesStart!: string;
  @ApiProperty() @IsISO8601({ strict: true }) salesEnd!: string;
  @ApiProperty({ example: 'EUR' }) @Matches(/^[A-Z]{3}$/) currency!: string;
  @ApiPropertyOptional({ description: 'online shop and box office may also sell from the presale pool' }) @IsOptional() @IsBoolean() poolOpen?: boolean;
  @ApiProperty({ type: [PriceCategoryRequest] })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PriceCategoryRequest)
  categories!: PriceCategoryRequest[];
  @ApiPropertyOptional({ type: ContingentRefDto, description: 'where all places start (default: reserve, not for sale)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContingentRefDto)
  initialContingent?: ContingentRefDto;
}

export class MoveContingentRequest {
  @ApiProperty({ type: ContingentRefDto }) @ValidateNested() @Type(() => ContingentRefDto) from!: ContingentRefDto;
  @ApiProperty({ type: ContingentRefDto }) @ValidateNested() @Type(() => ContingentRefDto) to!: ContingentRefDto;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(100_000) @IsUUID('4', { each: true }) seatIds?: string[];
  @ApiPropertyOptional() @IsOptional() @IsUUID() areaId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() categoryId?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000) quantity?: number;
}

export class ReturnContingentRequest {
  @ApiProperty({ type: ContingentRefDto }) @ValidateNested() @Type(() => ContingentRefDto) from!: ContingentRefDto;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(100_000) @IsUUID('4', { each: true }) seatIds?: string[];
  @ApiPropertyOptional() @IsOptional() @IsUUID() areaId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() categoryId?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1_000_000) quantity?: number;
}

export class CancelRequest {
  @ApiProperty() @IsString() @Length(1, 500) reason!: string;
}

export class ReserveSeatsRequest {
  @ApiProperty({ type: [String] }) @ArrayMinSize(1) @ArrayMaxSize(1000) @IsUUID('all', { each: true }) seatIds!: string[];
}

export class ReserveBestAvailableRequest {
  @ApiProperty() @IsUUID() categoryId!: string;
  @ApiProperty({ minimum: 1 }) @IsInt() @Min(-1_000_000) @Max(1_000_000) quantity!: number;
  @ApiPropertyOptional({ description: 'accept separate seats when no adjacent block is left', default: false })
  @IsOptional()
  @IsBoolean()
  allowSplit?: boolean;
}

export class ReserveQuantityRequest {
  @ApiProperty() @IsUUID() areaId!: string;
  @ApiProperty({ minimum: 1 }) @IsInt() @Min(-1_000_000) @Max(1_000_000) quantity!: number;
}

export class CustomerDto {
  @ApiProperty() @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() @MaxLength(254) email?: string;
}

export class CounterPaymentDto {
  @ApiProperty({ enum: ['cash', 'card-terminal'] }) @IsIn(['cash', 'card-terminal']) method!: 'cash' | 'card-terminal';
}

export class ReductionChoiceDto {
  @ApiProperty() @IsInt() @Min(0) unitNo!: number;
  @ApiProperty({ example: 'child' }) @Matches(REDUCTION) reduction!: string;
}

export class PlaceOrderRequest {
  @ApiProperty({ type: CustomerDto }) @ValidateNested() @Type(() => CustomerDto) customer!: CustomerDto;
  @ApiPropertyOptional({ type: [ReductionChoiceDto] })
  @IsOptional()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => ReductionChoiceDto)
  reductions?: ReductionChoiceDto[];
  @ApiPropertyOptional({ example: 'adult' }) @IsOptional() @Matches(REDUCTION) defaultReduction?: string;
}

export class PlaceCounterOrderRequest extends PlaceOrderRequest {
  @ApiProperty({ type: CounterPaymentDto }) @ValidateNested() @Type(() => CounterPaymentDto) payment!: CounterPaymentDto;
}

export class ListOrdersQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() eventId?: string;
  @ApiPropertyOptional({ enum: ['pending-payment', 'paid', 'cancelled', 'expired', 'refunded'] })
  @IsOptional()
  @IsIn(['pending-payment', 'paid', 'cancelled', 'expired', 'refunded'])
  status?: string;
}
