import { uuidParam as uuid } from '../../../infrastructure/http/uuid-param';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiGoneResponse, ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Public, Roles } from '../../../infrastructure/http/route-access';
import { DomainError } from '../../../shared-kernel/domain-error';
import type { Principal } from '../../../shared-kernel/roles';
import { KeyRotationService } from '../application/barcodes/key-rotation.service';
import { HomeDeliveryService } from '../application/delivery/home-delivery.service';
import { PrintRunService } from '../application/printing/print-run.service';
import { scopeOf } from '../application/scope';
import { BlankStockService } from '../application/stock/blank-stock.service';
import { TicketQuery } from '../application/tickets/ticket.query';
import { TICKETING_TRUST, TicketingTrustPort } from '../contracts/ticketing-trust.port';
import { verifyTicketBarcode } from '../contracts/verification/verify-barcode';
import { CreatePrintRunRequest, HandOverRequest, RegisterBatchRequest, ReprintRequest, RotateKeyRequest, TrustChangesQuery, VerifyRequest, VoidBlankRequest } from './ticketing.dto';

const STOCK_ROLES = ['organizer-admin', 'organizer-staff', 'presale-clerk', 'box-office-clerk'] as const;

function organizerOf(p: Principal): string {
  const s = scopeOf(p);
  if (!s.organizerId) throw DomainError.notFound('TICKETING.EVENT_NOT_FOUND', 'event');
  return s.organizerId;
}

@ApiTags('ticketing-stock')
@Controller('ticketing')
export class StockController {
  constructor(private readonly stock: BlankStockService) {}

  @Post('blank-batches')
  @Roles('organizer-admin')
  @ApiCreatedResponse({ description: 'batch registered; every serial of the range is a blank in the organizer\'s stock' })
  register(@Body() body: RegisterBatchRequest, @CurrentPrincipal() p: Principal) {
    return this.stock.registerBatch(p, body);
  }

  @Get('blank-batches')
  @Roles('organizer-admin', 'organizer-staff')
  list(@CurrentPrincipal() p: Principal) {
    return this.stock.listBatches(p);
  }

  @Get('blank-batches/:id')
  @Roles('organizer-admin', 'organizer-staff')
  @ApiNotFoundResponse()
  batch(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal) {
    return this.stock.batch(p, id);
  }

  @Post('blank-batches/:id/handovers')
  @Roles('organizer-admin', 'organizer-staff')
  @ApiCreatedResponse({ description: 'the available blanks (of the range) now belong to the office\'s stock' })
  handOver(@Param('id', uuid) id: string, @Body() body: HandOverRequest, @CurrentPrincipal() p: Principal) {
    return this.stock.handOver(p, id, body);
  }

  @Get('blanks/:serial')
  @Roles(...STOCK_ROLES)
  @ApiNotFoundResponse()
  blank(@Param('serial') serial: string, @CurrentPrincipal() p: Principal) {
    return this.stock.blank(p, serial);
  }

  @Post('blanks/:serial/void')
  @Roles(...STOCK_ROLES)
  @HttpCode(200)
  @ApiOkResponse({ description: 'blank voided (misprint, jam, damage); a printed one has its barcode revoked, optionally reprinted on the next blank' })
  void(@Param('serial') serial: string, @Body() body: VoidBlankRequest, @CurrentPrincipal() p: Principal) {
    return this.stock.void(p, serial, body);
  }

  @Get('stock')
  @Roles(...STOCK_ROLES)
  @ApiOkResponse({ description: 'available / used / void blanks per office and batch (office null = organizer\'s own store)' })
  report(@CurrentPrincipal() p: Principal) {
    return this.stock.report(p);
  }
}

@ApiTags('ticketing-printing')
@Controller('ticketing')
export class PrintingController {
  constructor(
    private readonly runs: PrintRunService,
    private readonly tickets: TicketQuery,
    private readonly home: HomeDeliveryService,
  ) {}

  @Post('print-runs')
  @Roles(...STOCK_ROLES)
  @ApiCreatedResponse({ description: 'run queued on the `printing` queue; poll GET /ticketing/print-runs/{id} for progress' })
  create(@Body() body: CreatePrintRunRequest, @CurrentPrincipal() p: Principal) {
    return this.runs.create(p, body);
  }

  @Get('print-runs')
  @Roles(...STOCK_ROLES)
  list(@CurrentPrincipal() p: Principal) {
    return this.runs.list(p);
  }

  @Get('print-runs/:id')
  @Roles(...STOCK_ROLES)
  @ApiOkResponse({ description: 'status (queued/binding/rendering/done/failed), rendered tickets and progress in %' })
  get(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal) {
    return this.runs.get(p, id);
  }

  @Get('print-runs/:id/items')
  @Roles(...STOCK_ROLES)
  @ApiOkResponse({ description: 'position → ticket → blank serial (the binding recorded for good)' })
  items(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal) {
    return this.runs.items(p, id);
  }

  @Get('print-runs/:id/pdf')
  @Roles(...STOCK_ROLES)
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'the A4 sheets (three blanks each)' })
  async pdf(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const pdf = await this.runs.pdf(p, id);
    reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="print-run-${id}.pdf"`);
    return pdf;
  }

  @Get('tickets/:id')
  @Roles(...STOCK_ROLES)
  @ApiOkResponse({ description: 'ticket state, every barcode issue (valid/revoked, reason) and the blank it was printed on' })
  ticket(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal) {
    return this.tickets.get(p, id);
  }

  @Post('tickets/:id/reprint')
  @Roles(...STOCK_ROLES)
  @ApiCreatedResponse({ description: 'a one-ticket run: a new barcode on the next blank; the old barcode is revoked when it is bound' })
  async reprint(@Param('id', uuid) id: string, @Body() body: ReprintRequest, @CurrentPrincipal() p: Principal) {
    await this.tickets.get(p, id);
    const runId = await this.runs.createInNew(p, { ticketIds: [id], includePrinted: true, officeId: body.officeId, firstSerial: body.firstSerial });
    return this.runs.get(p, runId);
  }

  @Get('orders/:orderId/home-delivery')
  @Roles('organizer-admin', 'organizer-staff')
  homeDelivery(@Param('orderId', uuid) orderId: string, @CurrentPrincipal() p: Principal) {
    return this.home.status(p, orderId);
  }

  @Post('orders/:orderId/home-delivery/reissue')
  @Roles('organizer-admin', 'organizer-staff')
  @HttpCode(200)
  @ApiOkResponse({ description: 'new barcodes for every paid ticket of the order (old ones revoked); the new PDF is sent again' })
  reissueHome(@Param('orderId', uuid) orderId: string, @CurrentPrincipal() p: Principal) {
    return this.home.reissue(p, orderId);
  }

  @Get('downloads/:token')
  @Public()
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'print@home PDF behind a signed, expiring link (sent with the e-mail)' })
  @ApiGoneResponse({ description: 'link expired, or the order was cancelled/refunded' })
  async download(@Param('token') token: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const d = await this.home.download(token);
    reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="tickets-${d.orderNumber}.pdf"`).header('cache-control', 'no-store');
    return d.pdf;
  }
}

@ApiTags('ticketing-trust')
@Controller('ticketing/events/:eventId')
export class TrustController {
  constructor(
    @Inject(TICKETING_TRUST) private readonly trust: TicketingTrustPort,
    private readonly rotation: KeyRotationService,
  ) {}

  @Get('trust')
  @Roles('organizer-admin', 'organizer-staff', 'entry-staff', 'scanner')
  @ApiOkResponse({ description: 'public keys + revocation list + version: everything an offline scanner needs' })
  snapshot(@Param('eventId', uuid) eventId: string, @CurrentPrincipal() p: Principal) {
    return this.trust.snapshot(organizerOf(p), eventId);
  }

  @Get('trust/changes')
  @Roles('organizer-admin', 'organizer-staff', 'entry-staff', 'scanner')
  @ApiOkResponse({ description: 'revocations (and the key list if it changed) since a version' })
  changes(@Param('eventId', uuid) eventId: string, @Query() q: TrustChangesQuery, @CurrentPrincipal() p: Principal) {
    return this.trust.changesSince(organizerOf(p), eventId, q.since);
  }

  @Post('keys/rotate')
  @Roles('organizer-admin')
  @HttpCode(200)
  rotate(@Param('eventId', uuid) eventId: string, @Body() body: RotateKeyRequest, @CurrentPrincipal() p: Principal) {
    return this.rotation.rotate(organizerOf(p), eventId, body.compromised);
  }

  @Post('verify')
  @Roles('organizer-admin', 'organizer-staff', 'entry-staff', 'scanner')
  @HttpCode(200)
  @ApiOkResponse({ description: 'the verdict of the same verification function scanners embed (contracts/verification)' })
  async verify(@Param('eventId', uuid) eventId: string, @Body() body: VerifyRequest, @CurrentPrincipal() p: Principal) {
    const at = body.at ? new Date(body.at) : new Date();
    if (Number.isNaN(at.getTime())) throw new DomainError('TICKETING.BAD_TIME', 'at must be an ISO date-time', 'validation');
    const bundle = await this.trust.snapshot(organizerOf(p), eventId);
    const v = await verifyTicketBarcode(body.code, bundle, at, { eventId });
    return v.valid ? { valid: true, ticket: v.ticket } : { valid: false, reason: v.reason, ticket: v.ticket ?? null };
  }
}
