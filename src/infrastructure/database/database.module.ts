import { MikroOrmMiddleware, MikroOrmModule } from '@mikro-orm/nestjs';
import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { mikroOrmOptions } from './mikro-orm.config';

/**
 * Routes that run WITHOUT a MikroORM request context (no per-request entity-manager fork): only hot routes whose
 * handlers never touch the request-scoped EM — they run their own SQL on a connection (`orm.em.getConnection()`) or
 * on a pool of their own and fork explicitly where they need an EM. With `allowGlobalContext: false`, a handler here
 * that used the request-scoped EM by mistake fails loudly instead of silently sharing an identity map.
 * - Sales: the three public reservation commands of the online shop (ReservationStore, EventContextResolver).
 * - Access Control: the online scan (ScanService, AccessDirectory: SQL on a long-lived fork).
 */
export const ROUTES_WITHOUT_REQUEST_CONTEXT: RouteInfo[] = [
  { path: 'shop/events/:eventId/holds/seats', method: RequestMethod.POST },
  { path: 'shop/events/:eventId/holds/best-available', method: RequestMethod.POST },
  { path: 'shop/events/:eventId/holds/quantity', method: RequestMethod.POST },
  { path: 'access-control/scanner/scans', method: RequestMethod.POST },
];

/** MikroORM on PostgreSQL with a request-scoped entity manager (RequestContext middleware for every other route). */
@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...mikroOrmOptions(config), registerRequestContext: false }),
      driver: PostgreSqlDriver,
    }),
  ],
})
export class DatabaseModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(MikroOrmMiddleware)
      .exclude(...ROUTES_WITHOUT_REQUEST_CONTEXT)
      .forRoutes({ path: '{*all}', method: RequestMethod.ALL });
  }
}
