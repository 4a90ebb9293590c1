import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { mikroOrmOptions } from './mikro-orm.config';

/** MikroORM on PostgreSQL with a request-scoped entity manager (RequestContext middleware for every route). */
@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...mikroOrmOptions(config), registerRequestContext: true }),
      driver: PostgreSqlDriver,
    }),
  ],
})
export class DatabaseModule {}
