import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiConflictResponse, ApiCreatedResponse, ApiGoneResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Roles } from '../../../infrastructure/http/route-access';
import type { Principal } from '../../../shared-kernel/roles';
import { ExtendHoldCommand, ReleaseHoldCommand } from '../application/commands/hold.commands';
import { CloseOrderCommand, PlaceOrderCommand } from '../application/commands/order.commands';
import { ReserveBestAvailableCommand, ReserveQuantityCommand, ReserveSeatsCommand } from '../application/commands/reserve.commands';
import { SalesQueries } from '../application/queries/sales.queries';
import { SalesActor } from '../application/sales-actor';
import { uuidParam } from '../../../infrastructure/http/uuid-param';
import { CancelRequest, PlaceCounterOrderRequest, ReserveBestAvailableRequest, ReserveQuantityRequest, ReserveSeatsRequest } from './sales.dto';

const SELLERS = ['organizer-admin', 'organizer-staff', 'box-office-clerk', 'presale-clerk'] as const;
const staff = (p: Principal): SalesActor => ({ kind: 'staff', principal: p });
const idemKey = (k?: string) => (k && /^[\x21-\x7e]{1,100}$/.test(k) ? k : null);

/**
 * Counter sales (box office for organizer staff, presale office for presale clerks — the channel follows from the
 * caller's organization) plus the event views sellers need. Counter orders are paid at once.
 */
@ApiTags('sales: counter')
@Controller('sales')
export class SalesCounterController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: SalesQueries,
  ) {}

  @Get('events')
  @Roles(...SELLERS)
  @ApiOkResponse({ description: "organizer: its events; presale office: events of connected organizers with what it can sell" })
  listEvents(@CurrentPrincipal() p: Principal) {
    return this.queries.listEvents(p);
  }

  @Get('events/:eventId')
  @Roles(...SELLERS)
  getEvent(@Param('eventId', uuidParam) eventId: string, @CurrentPrincipal() p: Principal) {
    return this.queries.getEvent(eventId, staff(p));
  }

  @Get('events/:eventId/availability')
  @Roles(...SELLERS)
  availability(@Param('eventId', uuidParam) eventId: string, @CurrentPrincipal() p: Principal) {
    return this.queries.availability(eventId, staff(p));
  }

  @Get('events/:eventId/seat-map')
  @Roles(...SELLERS)
  @ApiOkResponse({ description: 'every seat with coordinates, labels and live status (organizer: status + contingent)' })
  seatMap(@Param('eventId', uuidParam) eventId: string, @CurrentPrincipal() p: Principal) {
    return this.queries.seatMap(eventId, staff(p));
  }

  @Post('events/:eventId/holds/seats')
  @Roles(...SELLERS)
  @ApiCreatedResponse({ description: 'hold with all requested seats' })
  @ApiConflictResponse({ description: 'SALES.SEAT_TAKEN — nothing held' })
  reserveSeats(@Param('eventId', uuidParam) eventId: string, @Body() body: ReserveSeatsRequest, @CurrentPrincipal() p: Principal) {
    return this.commands.execute(new ReserveSeatsCommand(staff(p), eventId, body.seatIds));
  }

  @Post('events/:eventId/holds/best-available')
  @Roles(...SELLERS)
  @ApiCreatedResponse()
  reserveBest(@Param('eventId', uuidParam) eventId: string, @Body() body: ReserveBestAvailableRequest, @CurrentPrincipal() p: Principal) {
    return this.commands.execute(new ReserveBestAvailableCommand(staff(p), eventId, body.categoryId, body.quantity, body.allowSplit ?? false));
  }

  @Post('events/:eventId/holds/quantity')
  @Roles(...SELLERS)
  @ApiCreatedResponse()
  reserveQuantity(@Param('eventId', uuidParam) eventId: string, @Body() body: ReserveQuantityRequest, @CurrentPrincipal() p: Principal) {
    return this.commands.execute(new ReserveQuantityCommand(staff(p), eventId, body.areaId, body.quantity));
  }

  @Get('holds/:holdId')
  @Roles(...SELLERS)
  getHold(@Param('holdId', uuidParam) holdId: string, @CurrentPrincipal() p: Principal) {
    return this.queries.getHold(holdId, { actor: staff(p) });
  }

  @Delete('holds/:holdId')
  @Roles(...SELLERS)
  @HttpCode(200)
  release(@Param('holdId', uuidParam) holdId: string, @CurrentPrincipal() p: Principal) {
    return this.commands.execute(new ReleaseHoldCommand(holdId, { actor: staff(p) }));
  }

  @Post('holds/:holdId/extend')
  @Roles(...SELLERS)
  @HttpCode(200)
  extend(@Param('holdId', uuidParam) holdId: string, @CurrentPrincipal() p: Principal) {
    return this.commands.execute(new ExtendHoldCommand(holdId, { actor: staff(p) }));
  }

  @Post('holds/:holdId/order')
  @Roles(...SELLERS)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'repeat with the same key → the same order (200)' })
  @ApiCreatedResponse({ description: 'paid counter order' })
  @ApiGoneResponse({ description: 'SALES.HOLD_EXPIRED' })
  async order(
    @Param('holdId', uuidParam) holdId: string,
    @Body() body: PlaceCounterOrderRequest,
    @CurrentPrincipal() p: Principal,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const r = await this.commands.execute(new PlaceOrderCommand(holdId, { actor: staff(p) }, { ...body, idempotencyKey: idemKey(key) }));
    reply.status(r.replayed ? 200 : 201);
    return r;
  }

  @Get('orders/:orderId')
  @Roles(...SELLERS)
  getOrder(@Param('orderId', uuidParam) orderId: string, @CurrentPrincipal() p: Principal) {
    return this.queries.getOrder(p, orderId);
  }

  @Post('orders/:orderId/cancel')
  @Roles('organizer-admin', 'organizer-staff')
  @HttpCode(200)
  cancel(@Param('orderId', uuidParam) orderId: string, @Body() body: CancelRequest, @CurrentPrincipal() p: Principal) {
    return this.commands.execute(new CloseOrderCommand(p, orderId, 'cancel', body.reason));
  }

  @Post('orders/:orderId/refund')
  @Roles('organizer-admin')
  @HttpCode(200)
  refund(@Param('orderId', uuidParam) orderId: string, @Body() body: CancelRequest, @CurrentPrincipal() p: Principal) {
    return this.commands.execute(new CloseOrderCommand(p, orderId, 'refund', body.reason));
  }
}
