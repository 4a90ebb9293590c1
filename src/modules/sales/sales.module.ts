import { Module } from '@nestjs/common';
import { OrganizationRegisteredHandler } from './application/event-handlers/organization-registered/organization-registered.handler';

/** Sales: events, seating plans, contingents, holds and orders. Owns the `sales` schema. */
@Module({ providers: [OrganizationRegisteredHandler] })
export class SalesModule {}
