import { Module } from '@nestjs/common';
import { AccessControlController, ScannerController } from './api/access-control.controller';
import { AccessConfigService } from './application/access-config.service';
import { AccessDirectory } from './application/access-directory';
import { ConflictReportQuery } from './application/conflict-report.query';
import { EVENT_TRUST_SOURCE } from './application/event-trust-source.port';
import {
  EventCancelledHandler,
  EventCreatedHandler,
  OrderCancelledHandler,
  OrderPaidHandler,
  OrderRefundedHandler,
} from './application/event-handlers/sales-tickets.handlers';
import { TrustChangedHandler } from './application/event-handlers/ticketing-trust.handler';
import { FeedNotifier } from './application/feed-notifier';
import { FeedService } from './application/feed.service';
import { OfflinePackageService } from './application/offline-package.service';
import { ScanService } from './application/scan.service';
import { PackageSigner } from './infrastructure/package-signer';
import { TicketingTrustAdapter } from './infrastructure/ticketing-trust.adapter';

/**
 * Access Control: gates, scanner devices, online/offline scanning and the live sync feed. Owns the
 * `access_control` schema. Barcode keys come from Ticketing's trust port; tickets, cancellations and revocations
 * arrive as integration events.
 */
@Module({
  controllers: [AccessControlController, ScannerController],
  providers: [
    { provide: EVENT_TRUST_SOURCE, useClass: TicketingTrustAdapter },
    AccessDirectory,
    AccessConfigService,
    ScanService,
    FeedNotifier,
    FeedService,
    OfflinePackageService,
    ConflictReportQuery,
    PackageSigner,
    OrderPaidHandler,
    OrderCancelledHandler,
    OrderRefundedHandler,
    EventCancelledHandler,
    EventCreatedHandler,
    TrustChangedHandler,
  ],
})
export class AccessControlModule {}
