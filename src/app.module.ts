import { FastLaneModule } from './infrastructure/http/fast-lane';
import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AppConfig, loadConfig } from '../config/configuration';
import { ConfigModule } from './infrastructure/config/config.module';
import { DatabaseModule } from './infrastructure/database/database.module';
import { HealthModule } from './infrastructure/health/health.module';
import { JobsModule } from './infrastructure/jobs/jobs.module';
import { LoggingModule } from './infrastructure/logging/logging.module';
import { MessagingModule } from './infrastructure/messaging/messaging.module';
import { MetricsModule } from './infrastructure/metrics/metrics.module';
import { OperationsModule } from './infrastructure/operations/operations.module';
import { RedisModule } from './infrastructure/redis/redis.module';
import { AccessControlModule } from './modules/access-control/access-control.module';
import { EscrowModule } from './modules/escrow/escrow.module';
import { SalesModule } from './modules/sales/sales.module';
import { SecurityModule } from './modules/security/security.module';
import { TicketingModule } from './modules/ticketing/ticketing.module';

/** The composition root: infrastructure first, then the five modules. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig = loadConfig()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        RedisModule,
        JobsModule,
        MessagingModule,
        MetricsModule,
        FastLaneModule,
        HealthModule,
        CqrsModule.forRoot(),
        SecurityModule,
        SalesModule,
        TicketingModule,
        EscrowModule,
        AccessControlModule,
        OperationsModule,
      ],
    };
  }
}
