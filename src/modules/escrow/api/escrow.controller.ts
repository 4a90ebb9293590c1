import { Body, Controller, Get, Header, HttpCode, Inject, Param, ParseUUIDPipe, Post, Put, Query, Req, Res } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderSettlementPdf } from '../infrastructure/pdf/settlement-pdf';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { CurrentPrincipal, Public, Roles } from '../../../infrastructure/http/route-access';
import { DomainError } from '../../../shared-kernel/domain-error';
import type { Principal } from '../../../shared-kernel/roles';
import { CardPayments } from '../application/card-payments.service';
import { EscrowQueries } from '../application/escrow-queries.service';
import { inLedgerTx } from '../application/ledger-tx';
import { PayoutService } from '../application/payout.service';
import { RefundService } from '../application/refund.service';
import { ReviewService } from '../application/review.service';
import { SettlementService } from '../application/settlement.service';
import { StatementImports } from '../application/statement-imports.service';
import { SandboxCardProvider, SIGNATURE_HEADER } from '../infrastructure/gateways/sandbox-card.provider';
import {
  AccountsQuery,
  CardCheckoutRequest,
  CurrencyQuery,
  FeeContractRequest,
  ManualMatchRequest,
  PayeeAccountRequest,
  PayoutRunRequest,
  RefundRunRequest,
  RefundCreditorRequest,
  RefundsQuery,
  ReviewQueueQuery,
  ReviewRefundRequest,
  SettlementRequest,
  StatementUploadQuery,
} from './escrow.dto';
import { RouteConfig } from '@nestjs/platform-fastify';
import { PUBLIC_WRITE_RATE_LIMIT } from '../../../infrastructure/http/rate-limit';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => DomainError.notFound('ESCROW.NOT_FOUND', 'object') });
const isAdmin = (p: Principal) => p.roles.includes('platform-admin');

/** The trust account seen by the platform: ledger, statements, review queue, payouts, refunds, settlements. */
@ApiTags('escrow (platform)')
@Controller('escrow')
export class EscrowAdminController {
  constructor(
    private readonly orm: MikroORM,
    private readonly queries: EscrowQueries,
    private readonly imports: StatementImports,
    private readonly review: ReviewService,
    private readonly payouts: PayoutService,
    private readonly refunds: RefundService,
    private readonly settlements: SettlementService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private tx<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return inLedgerTx(this.orm, fn);
  }

  @Get('accounts')
  @Roles('platform-admin')
  @ApiOperation({ summary: 'Ledger accounts with posted and pending balances (normal side positive)' })
  accounts(@Query() q: AccountsQuery) {
    return this.queries.accounts(q);
  }

  @Get('trial-balance')
  @Roles('platform-admin')
  @ApiOperation({ summary: 'Trial balance recomputed from the postings; `balanced` must always be true' })
  trialBalance() {
    return this.queries.trialBalance();
  }

  @Get('reconciliation')
  @Roles('platform-admin')
  @ApiOperation({ summary: 'Escrow bank ledger balance vs. closing balance of the latest statement, with differences' })
  reconciliation(@Query() q: CurrencyQuery) {
    return this.queries.reconciliation(q.currency ?? this.config.ESCROW_CURRENCY);
  }

  @Post('statements')
  @Roles('platform-admin')
  @HttpCode(202)
  @ApiOperation({ summary: 'Upload a camt.053 (XML) or MT940 bank statement; validated now, imported by a job' })
  @ApiConsumes('application/xml', 'text/xml', 'application/octet-stream', 'text/plain')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiAcceptedResponse({ description: '{ uploadId, status: queued, format, transactions }' })
  @ApiPayloadTooLargeResponse({ description: 'ESCROW.STATEMENT_TOO_LARGE / REQUEST.BODY_TOO_LARGE' })
  @ApiUnprocessableEntityResponse({ description: 'ESCROW.STATEMENT_INVALID (broken fields)' })
  uploadStatement(@Req() req: FastifyRequest, @Query() q: StatementUploadQuery, @CurrentPrincipal() p: Principal) {
    const body = req.body as unknown;
    const raw = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body, 'utf8') : null;
    if (!raw) throw new DomainError('ESCROW.STATEMENT_FORMAT_UNKNOWN', 'send the statement file as the raw request body (application/xml or application/octet-stream)', 'validation');
    return this.imports.upload(raw, q.format ?? null, q.fileName ?? null, p.kind === 'user' ? p.subjectId : null);
  }

  @Get('statements/uploads/:id')
  @Roles('platform-admin')
  @ApiOperation({ summary: 'Status and result of a statement upload (queued | imported | failed)' })
  uploadStatus(@Param('id', uuid) id: string) {
    return this.imports.status(id);
  }

  @Get('review-items')
  @Roles('platform-admin')
  @ApiOperation({ summary: 'The review queue: partial, excess, late, unknown, duplicate payments' })
  reviewItems(@Query() q: ReviewQueueQuery) {
    return this.queries.reviewQueue(q.status ?? 'open');
  }

  @Post('review-items/:id/manual-match')
  @Roles('platform-admin')
  @HttpCode(200)
  @ApiOperation({ summary: "Apply the item's open amount to an order awaiting payment" })
  @ApiNotFoundResponse({ description: 'ESCROW.REVIEW_ITEM_NOT_FOUND / ESCROW.ORDER_NOT_FOUND' })
  manualMatch(@Param('id', uuid) id: string, @Body() body: ManualMatchRequest, @CurrentPrincipal() p: Principal) {
    return this.tx((em) => this.review.manualMatch(em, id, body.orderId, p.subjectId));
  }

  @Post('review-items/:id/refund')
  @Roles('platform-admin')
  @HttpCode(200)
  @ApiOperation({ summary: "Refund the item's open amount (or part of it) to the payer" })
  refundItem(@Param('id', uuid) id: string, @Body() body: ReviewRefundRequest, @CurrentPrincipal() p: Principal) {
    return this.tx((em) => this.review.refund(em, id, body, p.subjectId));
  }

  @Put('fee-contracts/:organizerId')
  @Roles('platform-admin')
  @ApiOperation({ summary: "Set an organizer's fee contract (applies to sales paid from now on)" })
  async feeContract(@Param('organizerId', uuid) organizerId: string, @Body() b: FeeContractRequest, @CurrentPrincipal() p: Principal) {
    await runSql(
      this.orm.em.fork() as EntityManager,
      `insert into escrow.fee_contract (organizer_id, currency, system_fee_per_ticket_minor, commission_bp, commission_min_per_ticket_minor, guarantee_per_mille, updated_by)
       values (?, ?, ?, ?, ?, ?, ?)
       on conflict (organizer_id) do update set currency = excluded.currency, system_fee_per_ticket_minor = excluded.system_fee_per_ticket_minor,
         commission_bp = excluded.commission_bp, commission_min_per_ticket_minor = excluded.commission_min_per_ticket_minor,
         guarantee_per_mille = excluded.guarantee_per_mille, updated_at = now(), updated_by = excluded.updated_by`,
      [organizerId, b.currency, b.systemFeePerTicketMinor, b.commissionBp, b.commissionMinPerTicketMinor, b.guaranteePerMille, p.subjectId],
    );
    return { organizerId, ...b };
  }

  @Post('payout-runs')
  @Roles('platform-admin')
  @ApiOperation({ summary: 'Pay out every event past its payout date: pain.001.001.09 file + payout entries' })
  @ApiCreatedResponse({ description: 'run summary with the pain.001 XML (null when nothing was due)' })
  payoutRun(@Body() b: PayoutRunRequest, @CurrentPrincipal() p: Principal) {
    return this.tx((em) => this.payouts.run(em, { organizerId: b.organizerId, eventId: b.eventId, createdBy: p.subjectId }));
  }

  @Get('payout-runs/:id')
  @Roles('platform-admin')
  payoutRunGet(@Param('id', uuid) id: string) {
    return this.queries.payoutRun(id);
  }

  @Get('payout-runs/:id/pain.001.xml')
  @Roles('platform-admin')
  @ApiProduces('application/xml')
  @Header('content-type', 'application/xml; charset=utf-8')
  async payoutRunXml(@Param('id', uuid) id: string) {
    return (await this.queries.payoutRun(id)).xml as string;
  }

  @Post('refund-runs')
  @Roles('platform-admin')
  @ApiOperation({ summary: 'Pay every pending SEPA refund in one pain.001.001.09 file; RefundIssued is published' })
  async refundRun(@Body() b: RefundRunRequest, @CurrentPrincipal() p: Principal) {
    const r = await this.tx((em) => this.refunds.runSepaRefunds(em, p.subjectId, b.currency ?? this.config.ESCROW_CURRENCY));
    return r ?? { runId: null, count: 0, total: '0', xml: null };
  }

  @Get('refunds')
  @Roles('platform-admin')
  refundList(@Query() q: RefundsQuery) {
    return this.queries.refunds(q.status ?? null);
  }

  @Put('refunds/:id/creditor')
  @Roles('platform-admin')
  @ApiOperation({ summary: "Set the account a pending SEPA refund is paid to (e.g. the replacement of a refund the customer's bank returned)" })
  refundCreditor(@Param('id', uuid) id: string, @Body() b: RefundCreditorRequest) {
    return this.tx((em) => this.refunds.setCreditor(em, id, b));
  }

  @Post('settlements')
  @Roles('platform-admin')
  @ApiOperation({ summary: "Settlement statement of a presale office's counter sales for a period" })
  settle(@Body() b: SettlementRequest) {
    return this.tx((em) => this.settlements.create(em, b.officeId, b.currency ?? this.config.ESCROW_CURRENCY, b.periodFrom, b.periodTo));
  }
}

/** What organizers and presale offices see of the escrow: only their own balances (others' are 404). */
@ApiTags('escrow (organizers, presale offices)')
@Controller('escrow')
export class EscrowPartnerController {
  constructor(
    private readonly orm: MikroORM,
    private readonly queries: EscrowQueries,
    private readonly settlements: SettlementService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('my/events')
  @Roles('organizer-admin')
  @ApiOperation({ summary: "The organizer's events: payable (held in escrow), pending, fees, paid out" })
  myEvents(@CurrentPrincipal() p: Principal) {
    return this.queries.organizerEvents(p.organizationId);
  }

  @Get('my/events/:eventId')
  @Roles('organizer-admin')
  @ApiNotFoundResponse({ description: 'ESCROW.EVENT_NOT_FOUND (also for other organizers’ events)' })
  myEvent(@Param('eventId', uuid) eventId: string, @CurrentPrincipal() p: Principal) {
    return this.queries.organizerEvent(p.organizationId, eventId);
  }

  @Put('my/payee-account')
  @Roles('organizer-admin')
  @ApiOperation({ summary: 'The bank account payouts go to' })
  async payee(@Body() b: PayeeAccountRequest, @CurrentPrincipal() p: Principal) {
    await runSql(
      this.orm.em.fork() as EntityManager,
      `insert into escrow.payee_account (organization_id, holder_name, iban, bic) values (?, ?, ?, ?)
       on conflict (organization_id) do update set holder_name = excluded.holder_name, iban = excluded.iban, bic = excluded.bic, updated_at = now()`,
      [p.organizationId, b.holderName, b.iban, b.bic ?? null],
    );
    return { organizationId: p.organizationId, ...b };
  }

  @Get('orders/:orderId')
  @Roles('platform-admin', 'organizer-admin')
  @ApiOperation({ summary: "An order's escrow state: payment reference (RF), amounts, payments" })
  order(@Param('orderId', uuid) orderId: string, @CurrentPrincipal() p: Principal) {
    return this.queries.order(orderId, isAdmin(p) ? null : p.organizationId);
  }

  @Get('my/office-balance')
  @Roles('presale-clerk')
  @ApiOperation({ summary: "The presale office's receivable, commission owed to it and net amount due" })
  officeBalance(@CurrentPrincipal() p: Principal) {
    return this.queries.officeBalance(p.organizationId);
  }

  @Get('my/settlements')
  @Roles('presale-clerk')
  mySettlements(@CurrentPrincipal() p: Principal) {
    return this.settlements.list(this.orm.em.fork() as EntityManager, p.organizationId);
  }

  @Get('settlements/:id')
  @Roles('platform-admin', 'presale-clerk')
  @ApiNotFoundResponse({ description: 'ESCROW.SETTLEMENT_NOT_FOUND (also for other offices’ settlements)' })
  async settlement(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal) {
    const s = await this.settlements.get(this.orm.em.fork() as EntityManager, id, isAdmin(p) ? undefined : p.organizationId);
    if (!s) throw DomainError.notFound('ESCROW.SETTLEMENT_NOT_FOUND', 'settlement');
    return s;
  }

  @Get('settlements/:id/pdf')
  @Roles('platform-admin', 'presale-clerk')
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The settlement statement as PDF' })
  async settlementPdf(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal, @Res() reply: FastifyReply) {
    const s = await this.settlements.get(this.orm.em.fork() as EntityManager, id, isAdmin(p) ? undefined : p.organizationId);
    if (!s) throw DomainError.notFound('ESCROW.SETTLEMENT_NOT_FOUND', 'settlement');
    const pdf = await renderSettlementPdf(s, { name: this.config.ESCROW_TRUST_ACCOUNT_NAME, iban: this.config.ESCROW_TRUST_ACCOUNT_IBAN });
    reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="settlement-${s.periodFrom}-${s.periodTo}.pdf"`).send(pdf);
  }
}

/** Customer-facing card payment and the provider's webhook. */
@ApiTags('escrow (card payments)')
@Controller('escrow')
export class CardPaymentController {
  constructor(
    private readonly cards: CardPayments,
    private readonly sandbox: SandboxCardProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('card/checkouts')
  @RouteConfig(PUBLIC_WRITE_RATE_LIMIT)
  @Public()
  @ApiOperation({ summary: 'Start a card payment for an order awaiting payment (order number + RF reference as proof)' })
  checkout(@Body() b: CardCheckoutRequest) {
    return this.cards.checkout(b.orderNumber, b.paymentReference);
  }

  @Post('webhooks/card')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Card provider webhook: HMAC-signed, idempotent by event id' })
  @ApiHeader({ name: SIGNATURE_HEADER, description: 't=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>' })
  webhook(@Req() req: FastifyRequest & { escrowRawBody?: Buffer }) {
    const raw = req.escrowRawBody;
    if (!raw) throw new DomainError('ESCROW.WEBHOOK_MALFORMED', 'webhook body missing', 'validation');
    return this.cards.webhook(raw, req.headers);
  }

  @Post('sandbox/card/checkouts/:id/capture')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'SANDBOX ONLY: the provider captures the checkout and returns the signed webhook it would send' })
  async sandboxCapture(@Param('id', uuid) id: string) {
    // Never in production: the sandbox signs webhooks with the real secret, i.e. it could "pay" any order.
    if (!this.config.ESCROW_CARD_SANDBOX_ENABLED || this.config.NODE_ENV === 'production') throw DomainError.notFound('ESCROW.NOT_FOUND', 'route');
    const c = await this.cards.checkoutById(id);
    return { webhook: this.sandbox.simulateCapture({ checkoutId: c.id, orderId: c.order_id, amount: BigInt(c.amount_minor), currency: c.currency, payerName: 'Sandbox Cardholder' }) };
  }
}
