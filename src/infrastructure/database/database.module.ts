import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { mikroOrmOptions } from './mikro-orm.config';

/**
 * MikroORM on PostgreSQL. The request-scoped entity manager (a RequestContext per request, except on the hot routes) is
 * bound by a Fastify hook, http/request-scope.ts, not by Nest middleware.
 */
@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...mikroOrmOptions(config), registerRequestContext: false }),
      driver: PostgreSqlDriver,
    }),
  ],
})
export class DatabaseModule {}
