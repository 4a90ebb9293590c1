import { uuidParam } from '../../../infrastructure/http/uuid-param';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiConsumes, ApiQuery, ApiCreatedResponse, ApiOkResponse, ApiPayloadTooLargeResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../../infrastructure/http/route-access';
import type { Principal } from '../../../shared-kernel/roles';
import { CatalogueService } from '../application/catalogue.service';
import { SalesQueries } from '../application/queries/sales.queries';
import { SalesErrors } from '../domain/sales-errors';
import { planFromCsv } from './plan-csv';
import { LARGE_BODY_ROUTE } from '../infrastructure/plan-body-limit';
import { CancelRequest, CreateEventRequest, CreateVenueRequest, ListOrdersQuery, MoveContingentRequest, planSchema, ReturnContingentRequest, SeatingPlanDoc } from './sales.dto';

const ORGANIZER = ['organizer-admin', 'organizer-staff'] as const;

/** Organizer back office: venues, seating plans, events, price tables, contingents. */
@ApiTags('sales: organizer')
@Controller('sales')
export class SalesAdminController {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly queries: SalesQueries,
  ) {}

  @Post('venues')
  @Roles('organizer-admin')
  @ApiCreatedResponse()
  createVenue(@Body() body: CreateVenueRequest, @CurrentPrincipal() p: Principal) {
    return this.catalogue.createVenue(p, body);
  }

  @Get('venues')
  @Roles(...ORGANIZER)
  listVenues(@CurrentPrincipal() p: Principal) {
    return this.queries.listVenues(p);
  }

  @Post('venues/:venueId/plans')
  @Roles('organizer-admin')
  @RouteConfig(LARGE_BODY_ROUTE)
  @ApiConsumes('application/json')
  @ApiBody({ type: SeatingPlanDoc, description: 'a whole plan in one request (tested with 20,000 seats); own body limit SALES_PLAN_BODY_LIMIT_BYTES' })
  @ApiCreatedResponse()
  @ApiPayloadTooLargeResponse({ description: 'body above SALES_PLAN_BODY_LIMIT_BYTES or more places than SALES_PLAN_MAX_SEATS' })
  createPlan(@Param('venueId', uuidParam) venueId: string, @Body() body: unknown, @CurrentPrincipal() p: Principal) {
    const parsed = planSchema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 20).map((i) => ({ field: i.path.join('.'), message: i.message }));
      throw SalesErrors.invalidPlan(issues.map((i) => `${i.field}: ${i.message}`).join('; '), { errors: issues });
    }
    return this.catalogue.createPlan(p, venueId, parsed.data);
  }

  @Post('venues/:venueId/plans/csv')
  @Roles('organizer-admin')
  @RouteConfig(LARGE_BODY_ROUTE)
  @ApiConsumes('text/csv')
  @ApiQuery({ name: 'name', required: true })
  @ApiQuery({ name: 'stageX', required: false })
  @ApiQuery({ name: 'stageY', required: false })
  @ApiBody({
    schema: { type: 'string', example: 'block,row,seat,x,y,category,wheelchair,companion\nParkett,1,1,0,10,A,yes,\nParkett,1,2,10,10,A,,yes' },
    description: 'seats as CSV (header required; optional columns wheelchair, companion, position); `,` or `;`',
  })
  @ApiCreatedResponse()
  createPlanFromCsv(
    @Param('venueId', uuidParam) venueId: string,
    @Body() body: unknown,
    @Query('name') name: string | undefined,
    @Query('stageX') stageX: string | undefined,
    @Query('stageY') stageY: string | undefined,
    @CurrentPrincipal() p: Principal,
  ) {
    if (typeof body !== 'string') throw SalesErrors.invalidPlan('send the plan as text/csv');
    const stage = stageX !== undefined && stageY !== undefined ? { x: Number(stageX), y: Number(stageY) } : null;
    return this.createPlan(venueId, planFromCsv(body, name ?? '', stage), p);
  }

  @Get('venues/:venueId/plans')
  @Roles(...ORGANIZER)
  listPlans(@Param('venueId', uuidParam) venueId: string, @CurrentPrincipal() p: Principal) {
    return this.queries.listPlans(p, venueId);
  }

  @Get('plans/:planId')
  @Roles(...ORGANIZER)
  getPlan(@Param('planId', uuidParam) planId: string, @CurrentPrincipal() p: Principal) {
    return this.queries.getPlan(p, planId);
  }

  @Post('events')
  @Roles('organizer-admin')
  @ApiCreatedResponse()
  createEvent(@Body() body: CreateEventRequest, @CurrentPrincipal() p: Principal) {
    return this.catalogue.createEvent(p, body);
  }

  @Post('events/:eventId/cancel')
  @Roles('organizer-admin')
  @HttpCode(200)
  cancelEvent(@Param('eventId', uuidParam) eventId: string, @Body() body: CancelRequest, @CurrentPrincipal() p: Principal) {
    return this.catalogue.cancelEvent(p, eventId, body.reason);
  }

  @Post('events/:eventId/contingents/moves')
  @Roles('organizer-admin')
  @HttpCode(200)
  @ApiOkResponse({ description: 'all requested places moved (else 409 SALES.CONTINGENT_PLACES_UNAVAILABLE, nothing moved)' })
  move(@Param('eventId', uuidParam) eventId: string, @Body() body: MoveContingentRequest, @CurrentPrincipal() p: Principal) {
    return this.catalogue.moveContingent(p, eventId, body);
  }

  @Post('events/:eventId/contingents/returns')
  @Roles('organizer-admin')
  @HttpCode(200)
  @ApiOkResponse({ description: 'returns free places of a contingent to the organizer reserve' })
  returnPlaces(@Param('eventId', uuidParam) eventId: string, @Body() body: ReturnContingentRequest, @CurrentPrincipal() p: Principal) {
    return this.catalogue.moveContingent(p, eventId, { ...body, to: { kind: 'reserve' } });
  }

  @Get('presale-offices')
  @Roles(...ORGANIZER)
  listOffices() {
    return this.queries.listOffices();
  }

  @Post('presale-offices/:officeId/link')
  @Roles('organizer-admin')
  @HttpCode(200)
  @ApiOkResponse({ description: 'connects a presale office: it may then sell from the pool and its own contingents' })
  linkOffice(@Param('officeId', uuidParam) officeId: string, @CurrentPrincipal() p: Principal) {
    return this.catalogue.linkOffice(p, officeId);
  }

  @Get('orders')
  @Roles('organizer-admin', 'organizer-staff', 'box-office-clerk', 'presale-clerk')
  listOrders(@Query() q: ListOrdersQuery, @CurrentPrincipal() p: Principal) {
    return this.queries.listOrders(p, q);
  }
}
