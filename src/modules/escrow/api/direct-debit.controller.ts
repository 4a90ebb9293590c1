import { Body, Controller, Get, Header, Inject, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { CurrentPrincipal, Roles } from '../../../infrastructure/http/route-access';
import { DomainError } from '../../../shared-kernel/domain-error';
import type { Principal } from '../../../shared-kernel/roles';
import { DirectDebitService } from '../application/direct-debit.service';
import { inLedgerTx } from '../application/ledger-tx';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => DomainError.notFound('ESCROW.NOT_FOUND', 'object') });

/**
 * Fields are only type- and length-checked here; missing or malformed values are reported by the domain
 * (`validateMandate`) with ESCROW.* codes.
 */
export class SepaMandateRequest {
  @ApiProperty({ example: 'PT-MANDATE-0001', description: 'mandate reference, ≤ 35 SEPA characters' }) @IsOptional() @IsString() @MaxLength(200) mandateId?: string;
  @ApiProperty({ example: '2026-11-01', description: 'date of signature (YYYY-MM-DD, not in the future)' }) @IsOptional() @IsString() @MaxLength(40) signedOn?: string;
  @ApiProperty({ example: 'Vorverkaufsstelle Musterstadt GmbH', description: "the office's account holder (debtor)" }) @IsOptional() @IsString() @MaxLength(200) debtorName?: string;
  @ApiProperty({ example: 'DE89370400440532013000', description: 'debtor IBAN (checksum verified)' }) @IsOptional() @IsString() @MaxLength(60) debtorIban?: string;
  @ApiPropertyOptional({ example: 'COBADEFFXXX' }) @IsOptional() @IsString() @MaxLength(20) debtorBic?: string;
}

export class CollectionRunRequest {
  @ApiPropertyOptional({ example: 'EUR' }) @IsOptional() @Matches(/^[A-Z]{3}$/) currency?: string;
}

/** SEPA direct debit of presale-office settlements: office mandates and collection runs (pain.008.001.08). */
@ApiTags('escrow (platform)')
@Controller('escrow')
export class DirectDebitController {
  constructor(
    private readonly orm: MikroORM,
    private readonly directDebits: DirectDebitService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Put('offices/:officeId/sepa-mandate')
  @Roles('platform-admin')
  @ApiOperation({ summary: "Set a presale office's SEPA direct-debit mandate (office = debtor); its new settlements are collected by direct debit" })
  @ApiBadRequestResponse({ description: 'ESCROW.MANDATE_FIELD_MISSING, ESCROW.MANDATE_INVALID' })
  @ApiUnprocessableEntityResponse({ description: 'ESCROW.IBAN_INVALID (format or check digits)' })
  setMandate(@Param('officeId', uuid) officeId: string, @Body() b: SepaMandateRequest, @CurrentPrincipal() p: Principal) {
    return inLedgerTx(this.orm, (em) => this.directDebits.setMandate(em, officeId, b, p.subjectId));
  }

  @Get('offices/:officeId/sepa-mandate')
  @Roles('platform-admin')
  @ApiNotFoundResponse({ description: 'ESCROW.MANDATE_NOT_FOUND' })
  async getMandate(@Param('officeId', uuid) officeId: string) {
    const m = await this.directDebits.getMandate(this.orm.em.fork() as EntityManager, officeId);
    if (!m) throw DomainError.notFound('ESCROW.MANDATE_NOT_FOUND', 'mandate');
    return m;
  }

  @Post('collection-runs')
  @Roles('platform-admin')
  @ApiOperation({ summary: 'Collect every open direct-debit settlement not yet collected: one pain.008.001.08 file (CORE, FRST/RCUR)' })
  @ApiCreatedResponse({ description: 'run summary with the pain.008 XML (null when nothing was due)' })
  collectionRun(@Body() b: CollectionRunRequest, @CurrentPrincipal() p: Principal) {
    return inLedgerTx(this.orm, (em) => this.directDebits.run(em, p.subjectId, b.currency ?? this.config.ESCROW_CURRENCY));
  }

  @Get('collection-runs/:id/pain.008.xml')
  @Roles('platform-admin')
  @ApiProduces('application/xml')
  @Header('content-type', 'application/xml; charset=utf-8')
  async collectionRunXml(@Param('id', uuid) id: string) {
    const r = await this.directDebits.getRun(this.orm.em.fork() as EntityManager, id);
    if (!r) throw DomainError.notFound('ESCROW.COLLECTION_RUN_NOT_FOUND', 'collection run');
    return r.xml as string;
  }
}
