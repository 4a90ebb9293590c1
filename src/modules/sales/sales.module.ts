import { Module } from '@nestjs/common';
import { SalesAdminController } from './api/sales-admin.controller';
import { SalesCounterController } from './api/sales-counter.controller';
import { ShopController } from './api/shop.controller';
import { CatalogueService } from './application/catalogue.service';
import { ExtendHoldHandler, ReleaseHoldHandler } from './application/commands/hold.commands';
import { CloseOrderHandler, MarkOrderPaidHandler, PlaceOrderHandler } from './application/commands/order.commands';
import { ReservationStore } from './application/commands/reservation.store';
import { HoldPolicy, ReserveBestAvailableHandler, ReserveQuantityHandler, ReserveSeatsHandler } from './application/commands/reserve.commands';
import { EventContextResolver } from './application/event-context';
import { OrganizationRegisteredHandler } from './application/event-handlers/organization-registered/organization-registered.handler';
import { PaymentReceivedHandler } from './application/event-handlers/payment-received/payment-received.handler';
import { SalesQueries } from './application/queries/sales.queries';
import { PlanBodyLimit } from './infrastructure/plan-body-limit';
import { ExpireUnpaidOrdersJob, SalesJobScheduler, SweepExpiredHoldsJob } from './infrastructure/sales-jobs';

/** Sales: events, seating plans, contingents, holds and orders. Owns the `sales` schema. */
@Module({
  controllers: [SalesAdminController, SalesCounterController, ShopController],
  providers: [
    PlanBodyLimit,
    OrganizationRegisteredHandler,
    PaymentReceivedHandler,
    EventContextResolver,
    ReservationStore,
    HoldPolicy,
    ReserveSeatsHandler,
    ReserveBestAvailableHandler,
    ReserveQuantityHandler,
    ReleaseHoldHandler,
    ExtendHoldHandler,
    PlaceOrderHandler,
    MarkOrderPaidHandler,
    CloseOrderHandler,
    CatalogueService,
    SalesQueries,
    SweepExpiredHoldsJob,
    ExpireUnpaidOrdersJob,
    SalesJobScheduler,
  ],
})
export class SalesModule {}
