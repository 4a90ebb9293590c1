import { Inject, Module, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { Readable } from 'node:stream';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { CLOCK, SystemClock } from '../../shared-kernel/clock';
import { CardPaymentController, EscrowAdminController, EscrowPartnerController } from './api/escrow.controller';
import { DirectDebitController } from './api/direct-debit.controller';
import { CardPayments } from './application/card-payments.service';
import { DirectDebitService } from './application/direct-debit.service';
import { EscrowQueries } from './application/escrow-queries.service';
import { SALES_EVENT_HANDLERS } from './application/event-handlers/sales-order-events.handlers';
import { ImportStatementJob } from './application/jobs/import-statement.job';
import { PayoutRunJob } from './application/jobs/payout-run.job';
import { OrderBook } from './application/order-book';
import { OrderEventsService } from './application/order-events.service';
import { PaymentIntake } from './application/payment-intake.service';
import { PayoutService } from './application/payout.service';
import { RefundService } from './application/refund.service';
import { ReviewService } from './application/review.service';
import { SettlementService } from './application/settlement.service';
import { StatementImports } from './application/statement-imports.service';
import { CARD_PAYMENT_PROVIDER, STATEMENT_GATEWAYS } from './domain/payment-gateway';
import { Camt053Gateway } from './infrastructure/gateways/camt053.gateway';
import { Mt940Gateway } from './infrastructure/gateways/mt940.gateway';
import { SandboxCardProvider } from './infrastructure/gateways/sandbox-card.provider';
import { LedgerWriter } from './infrastructure/ledger-writer';

const STATEMENT_TYPES = ['application/xml', 'text/xml', 'application/octet-stream', 'application/x-mt940'];

/**
 * Escrow: the trust-account ledger, payment matching (bank statements, card webhooks), the review queue, refunds,
 * presale-office settlements and organizer payouts. Owns the `escrow` schema. Talks to Sales only through its
 * integration events (consumed) and Escrow's own (published through the outbox).
 */
@Module({
  controllers: [EscrowAdminController, EscrowPartnerController, CardPaymentController, DirectDebitController],
  providers: [
    { provide: CLOCK, useClass: SystemClock },
    { provide: STATEMENT_GATEWAYS, useValue: [new Camt053Gateway(), new Mt940Gateway()] },
    SandboxCardProvider,
    { provide: CARD_PAYMENT_PROVIDER, useExisting: SandboxCardProvider },
    LedgerWriter,
    OrderBook,
    RefundService,
    OrderEventsService,
    PaymentIntake,
    ReviewService,
    PayoutService,
    SettlementService,
    DirectDebitService,
    StatementImports,
    CardPayments,
    EscrowQueries,
    ImportStatementJob,
    PayoutRunJob,
    ...SALES_EVENT_HANDLERS,
  ],
  exports: [StatementImports, PaymentIntake, EscrowQueries, LedgerWriter],
})
export class EscrowModule implements OnModuleInit {
  constructor(
    @Optional() @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost | undefined,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // The webhook's raw-body hook is attached to the webhook routes only (onRoute, before Nest registers the routes):
    // as a global async preParsing hook it cost every request of every route a few promises (bench:reserve profile).
    const fastify = this.fastify();
    fastify?.addHook('onRoute', (route: RouteOptions) => {
      if (!route.url.startsWith(WEBHOOK_PREFIX)) return;
      const own = route.preParsing;
      route.preParsing = [...(own ? (Array.isArray(own) ? own : [own]) : []), captureWebhookBody];
    });
  }

  private fastify(): FastifyInstance | undefined {
    const f = this.http?.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    return f && typeof f.addHook === 'function' ? f : undefined;
  }

  /**
   * Raw bodies for this module's routes only: bank statements (XML / MT940 bytes, up to ESCROW_STATEMENT_MAX_BYTES)
   * and the card webhook, whose HMAC is computed over the exact bytes received (captureWebhookBody).
   */
  onModuleInit(): void {
    const fastify = this.fastify();
    if (!fastify) return;
    for (const type of STATEMENT_TYPES) {
      if (fastify.hasContentTypeParser(type)) continue;
      fastify.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: this.config.ESCROW_STATEMENT_MAX_BYTES }, (_req: FastifyRequest, body: Buffer, done: (e: Error | null, b?: unknown) => void) => done(null, body));
    }
  }
}

const WEBHOOK_PREFIX = '/escrow/webhooks/';

/** preParsing hook of the webhook routes: keeps the exact bytes received (for the HMAC) and hands the parser a copy. */
async function captureWebhookBody(req: FastifyRequest & { escrowRawBody?: Buffer }, _reply: unknown, payload: NodeJS.ReadableStream) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of payload as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 256 * 1024) throw Object.assign(new Error('webhook body too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    chunks.push(c);
  }
  req.escrowRawBody = Buffer.concat(chunks);
  return Readable.from([req.escrowRawBody]);
}
