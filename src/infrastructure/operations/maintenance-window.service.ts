import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { CLOCK, Clock } from '../../shared-kernel/clock';
import { isInWindow, nextWindowOpening, WindowSpec, windowMinutes } from './maintenance-window';

/**
 * The configured maintenance window (MAINTENANCE_WINDOW_START/END/TZ). Heavy jobs ask `isOpen()` and, outside the
 * window, are postponed to `nextOpening()`; other modules (CRL or report regeneration) can inject it too.
 */
@Injectable()
export class MaintenanceWindow {
  readonly spec: WindowSpec;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.spec = { start: config.MAINTENANCE_WINDOW_START, end: config.MAINTENANCE_WINDOW_END, timeZone: config.MAINTENANCE_WINDOW_TZ };
  }

  isOpen(at: Date = this.clock.now()): boolean {
    return isInWindow(at, this.spec);
  }

  nextOpening(at: Date = this.clock.now()): Date {
    return nextWindowOpening(at, this.spec);
  }

  get minutes(): number {
    return windowMinutes(this.spec);
  }
}
