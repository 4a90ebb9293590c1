import { MikroOrmMiddleware, MikroOrmModule } from '@mikro-orm/nestjs';
import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { HOT_ROUTES } from '../http/hot-routes';
import { mikroOrmOptions } from './mikro-orm.config';

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
      .exclude(...HOT_ROUTES) // no request context on the hot routes (hot-routes.ts)
      .forRoutes({ path: '{*all}', method: RequestMethod.ALL });
  }
}
