import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig, loadConfig } from '../../../config/configuration';

@Global()
@Module({})
export class ConfigModule {
  /** Binds the validated configuration under APP_CONFIG. Tests pass their own (still validated) settings. */
  static forRoot(config: AppConfig = loadConfig()): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}
