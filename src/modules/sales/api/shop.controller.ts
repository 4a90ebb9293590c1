import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiConflictResponse, ApiCreatedResponse, ApiGoneResponse, ApiHeader, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FastLane } from '../../../infrastructure/http/fast-lane';
import { Public } from '../../../infrastructure/http/route-access';
import { ExtendHoldCommand, ReleaseHoldCommand } from '../application/commands/hold.commands';
import { PlaceOrderCommand } from '../application/commands/order.commands';
import { ReserveBestAvailableCommand, ReserveQuantityCommand, ReserveSeatsCommand } from '../application/commands/reserve.commands';
import { SalesQueries } from '../application/queries/sales.queries';
import { SalesActor } from '../application/sales-actor';
import { ReserveBestAvailableBody, ReserveQuantityBody, ReserveSeatsBody } from './reserve-body';
import { uuidParam } from '../../../infrastructure/http/uuid-param';
import { PlaceOrderRequest, ReserveBestAvailableRequest, ReserveQuantityRequest, ReserveSeatsRequest } from './sales.dto';
import { RouteConfig } from '@nestjs/platform-fastify';
import { PUBLIC_WRITE_RATE_LIMIT } from '../../../infrastructure/http/rate-limit';

const CUSTOMER: SalesActor = { kind: 'customer' };
const seatsBody = new ReserveSeatsBody();
const bestBody = new ReserveBestAvailableBody();
const quantityBody = new ReserveQuantityBody();
const HOLD_TOKEN = { name: 'X-Hold-Token', required: true, description: 'the holdToken returned when the hold was made' };

/**
 * The online shop's customer-facing API: public, sells only from the online contingent (plus the pool if the
 * organizer opened it). A hold is addressed by its id and proven by its token (X-Hold-Token); a wrong token is a 404.
 */
@ApiTags('shop (public)')
@Controller('shop')
export class ShopController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: SalesQueries,
    lane: FastLane,
  ) {
    // The three reservation commands are served on the fast lane (infrastructure/http/fast-lane.ts): Fastify calls
    // the same methods with the same checks (path id, hand-written body validation), without Nest's pipeline.
    const eventId = (req: FastifyRequest) => uuidParam.check((req.params as { eventId?: unknown }).eventId);
    lane.add('POST', '/shop/events/:eventId/holds/seats', ShopController.prototype.reserveSeats, (req) => this.reserveSeats(eventId(req), seatsBody.transform(req.body)));
    lane.add('POST', '/shop/events/:eventId/holds/best-available', ShopController.prototype.reserveBest, (req) => this.reserveBest(eventId(req), bestBody.transform(req.body)));
    lane.add('POST', '/shop/events/:eventId/holds/quantity', ShopController.prototype.reserveQuantity, (req) => this.reserveQuantity(eventId(req), quantityBody.transform(req.body)));
  }

  @Get('events')
  @Public()
  list() {
    return this.queries.listEventsOnSale();
  }

  @Get('events/:eventId')
  @Public()
  get(@Param('eventId', uuidParam) eventId: string) {
    return this.queries.getEvent(eventId, CUSTOMER);
  }

  @Get('events/:eventId/availability')
  @Public()
  availability(@Param('eventId', uuidParam) eventId: string) {
    return this.queries.availability(eventId, CUSTOMER);
  }

  @Get('events/:eventId/seat-map')
  @Public()
  seatMap(@Param('eventId', uuidParam) eventId: string) {
    return this.queries.seatMap(eventId, CUSTOMER);
  }

  @Post('events/:eventId/holds/seats')
  @RouteConfig(PUBLIC_WRITE_RATE_LIMIT)
  @Public()
  @ApiCreatedResponse({ description: 'hold with holdId, holdToken, expiresAt and the seats' })
  @ApiConflictResponse({ description: 'SALES.SEAT_TAKEN — nothing held' })
  @ApiBody({ type: ReserveSeatsRequest })
  // The hot reservation bodies are validated by hand-written pipes (reserve-body.ts; same rules and 400 as the DTOs):
  // the parameter type `object` makes the global class-validator pipe pass them through.
  reserveSeats(@Param('eventId', uuidParam) eventId: string, @Body(seatsBody) input: object) {
    const body = input as ReserveSeatsRequest;
    return this.commands.execute(new ReserveSeatsCommand(CUSTOMER, eventId, body.seatIds));
  }

  @Post('events/:eventId/holds/best-available')
  @RouteConfig(PUBLIC_WRITE_RATE_LIMIT)
  @Public()
  @ApiCreatedResponse()
  @ApiBody({ type: ReserveBestAvailableRequest })
  reserveBest(@Param('eventId', uuidParam) eventId: string, @Body(bestBody) input: object) {
    const body = input as ReserveBestAvailableRequest;
    return this.commands.execute(new ReserveBestAvailableCommand(CUSTOMER, eventId, body.categoryId, body.quantity, body.allowSplit ?? false));
  }

  @Post('events/:eventId/holds/quantity')
  @RouteConfig(PUBLIC_WRITE_RATE_LIMIT)
  @Public()
  @ApiCreatedResponse()
  @ApiBody({ type: ReserveQuantityRequest })
  reserveQuantity(@Param('eventId', uuidParam) eventId: string, @Body(quantityBody) input: object) {
    const body = input as ReserveQuantityRequest;
    return this.commands.execute(new ReserveQuantityCommand(CUSTOMER, eventId, body.areaId, body.quantity));
  }

  @Get('holds/:holdId')
  @Public()
  @ApiHeader(HOLD_TOKEN)
  @ApiNotFoundResponse({ description: 'unknown hold or wrong token' })
  getHold(@Param('holdId', uuidParam) holdId: string, @Headers('x-hold-token') token?: string) {
    return this.queries.getHold(holdId, { actor: CUSTOMER, token });
  }

  @Delete('holds/:holdId')
  @Public()
  @HttpCode(200)
  @ApiHeader(HOLD_TOKEN)
  release(@Param('holdId', uuidParam) holdId: string, @Headers('x-hold-token') token?: string) {
    return this.commands.execute(new ReleaseHoldCommand(holdId, { actor: CUSTOMER, token }));
  }

  @Post('holds/:holdId/extend')
  @Public()
  @HttpCode(200)
  @ApiHeader(HOLD_TOKEN)
  extend(@Param('holdId', uuidParam) holdId: string, @Headers('x-hold-token') token?: string) {
    return this.commands.execute(new ExtendHoldCommand(holdId, { actor: CUSTOMER, token }));
  }

  @Post('holds/:holdId/order')
  @RouteConfig(PUBLIC_WRITE_RATE_LIMIT)
  @Public()
  @ApiHeader(HOLD_TOKEN)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'repeat with the same key → the same order (200)' })
  @ApiCreatedResponse({ description: 'order pending payment (payment deadline; paid when Escrow reports the payment)' })
  @ApiGoneResponse({ description: 'SALES.HOLD_EXPIRED' })
  async order(
    @Param('holdId', uuidParam) holdId: string,
    @Body() body: PlaceOrderRequest,
    @Headers('x-hold-token') token: string | undefined,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const idempotencyKey = key && /^[\x21-\x7e]{1,100}$/.test(key) ? key : null;
    const r = await this.commands.execute(new PlaceOrderCommand(holdId, { actor: CUSTOMER, token }, { ...body, idempotencyKey }));
    reply.status(r.replayed ? 200 : 201);
    return r;
  }
}
