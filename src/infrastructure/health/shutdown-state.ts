import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';

/**
 * Graceful shutdown, step 1: on SIGTERM the instance reports not-ready and keeps serving for SHUTDOWN_DRAIN_MS so the
 * load balancer takes it out; then Nest closes the listener (in-flight requests finish), workers and connections.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private draining = false;
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get isShuttingDown(): boolean {
    return this.draining;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.draining = true;
    if (signal) new Logger('Shutdown').log(`${signal}: not ready, draining for ${this.config.SHUTDOWN_DRAIN_MS} ms`);
    await new Promise((r) => setTimeout(r, this.config.SHUTDOWN_DRAIN_MS));
  }
}
