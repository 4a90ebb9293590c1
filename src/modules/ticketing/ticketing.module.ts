import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { PrintingController, StockController, TrustController } from './api/ticketing.controller';
import { BarcodeIssuer } from './application/barcodes/barcode-issuer';
import { KeyRotationService } from './application/barcodes/key-rotation.service';
import { DELIVERY } from './application/delivery/delivery.port';
import { HomeDeliveryService } from './application/delivery/home-delivery.service';
import { EventCancelledHandler, EventCreatedHandler, OrderCancelledHandler, OrderPaidHandler, OrderRefundedHandler } from './application/event-handlers/sales-order.handlers';
import { PartyDirectoryHandler } from './application/event-handlers/party-directory.handler';
import { PrintRunService } from './application/printing/print-run.service';
import { BlankStockService } from './application/stock/blank-stock.service';
import { DeliverHomeJob, PrintRunJob, SweepJob } from './application/ticketing.jobs';
import { TicketQuery } from './application/tickets/ticket.query';
import { TrustQuery } from './application/trust/trust.query';
import { TICKETING_TRUST } from './contracts/ticketing-trust.port';
import { DownloadLinks } from './infrastructure/delivery/download-links';
import { LinkOnlyDelivery, SmtpDelivery } from './infrastructure/delivery/smtp-delivery';
import { BarcodeEncoder } from './infrastructure/pdf/barcode-encoder';
import { SigningKeyStore } from './infrastructure/signing-key-store';
import { TicketingCrypto } from './infrastructure/ticketing-crypto';

/**
 * Ticketing: barcodes signed per event, security-stock blanks, print runs and print@home delivery.
 * Owns the `ticketing` schema. Global so that Access Control can inject TICKETING_TRUST (its only entry point besides
 * the pure verification function in contracts/).
 */
@Global()
@Module({
  controllers: [StockController, PrintingController, TrustController],
  providers: [
    TicketingCrypto,
    SigningKeyStore,
    BarcodeIssuer,
    KeyRotationService,
    PrintRunService,
    BlankStockService,
    HomeDeliveryService,
    TicketQuery,
    TrustQuery,
    DownloadLinks,
    BarcodeEncoder,
    { provide: TICKETING_TRUST, useExisting: TrustQuery },
    {
      provide: DELIVERY,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => (c.TICKETING_SMTP_URL ? new SmtpDelivery(c.TICKETING_SMTP_URL, c.TICKETING_MAIL_FROM) : new LinkOnlyDelivery()),
    },
    OrderPaidHandler,
    OrderCancelledHandler,
    OrderRefundedHandler,
    EventCancelledHandler,
    EventCreatedHandler,
    PartyDirectoryHandler,
    PrintRunJob,
    DeliverHomeJob,
    SweepJob,
  ],
  exports: [TICKETING_TRUST],
})
export class TicketingModule {}
