import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type https from 'node:https';
import { Counter } from 'prom-client';
import { Metrics } from '../../../../infrastructure/metrics/metrics.module';
import type { AddressInfo } from 'node:net';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { createMutualTlsServer, trustContext } from '../../../../infrastructure/http/business-listener';
import { CrlService } from '../application/crl.service';
import { PkiBus } from '../application/pki-bus';
import { PlatformCa } from '../application/platform-ca.service';

/** Poll interval for a new CRL (the PKI bus makes it immediate; this is the backstop). */
const CRL_POLL_MS = 15_000;

/**
 * Runs the business listener (see src/infrastructure/http/business-listener.ts) for this instance: trusts only the
 * platform CA, loads the newest CRL at start and hot-reloads every new one into the TLS context without a restart
 * (`setSecureContext`: new handshakes see it; open connections are handled per request by ClientCertEnforcer).
 */
@Injectable()
export class BusinessListener implements OnApplicationShutdown {
  private readonly log = new Logger('BusinessListener');
  private server?: https.Server;
  private tls?: { key: string; cert: string };
  private crlNumber?: string;
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;
  private readonly refusedHandshakes: Counter<'code'>;

  constructor(
    private readonly ca: PlatformCa,
    private readonly crl: CrlService,
    private readonly bus: PkiBus,
    metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.refusedHandshakes = new Counter({
      name: 'pki_business_handshakes_refused_total',
      help: 'TLS handshakes the business listener refused (no, foreign, revoked or expired client certificate), by OpenSSL code',
      labelNames: ['code'],
      registers: [metrics.registry],
    });
  }

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  get currentCrlNumber(): string | undefined {
    return this.crlNumber;
  }

  async start(app: NestFastifyApplication, tls: { key: string; cert: string }, port: number, host: string): Promise<number> {
    const ca = await this.ca.current();
    const crl = await this.crl.latestOrCreate();
    this.crl.checkExpiry(crl);
    this.tls = tls;
    this.crlNumber = crl.number;
    const fastify = app.getHttpAdapter().getInstance();
    const server = createMutualTlsServer(fastify.routing.bind(fastify), tls, { ca: ca.material.certificatePem, crl: crl.pem });
    server.on('tlsClientError', (e: NodeJS.ErrnoException) => {
      const code = String(e.code ?? 'UNKNOWN').replace(/[^A-Z0-9_]/gi, '_').slice(0, 80);
      this.refusedHandshakes.inc({ code });
      this.log.debug(`handshake refused: ${code}`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.bus.on((m) => {
      if (m.type === 'crl' && m.number !== this.crlNumber) void this.reload();
    });
    this.timer = setInterval(() => void this.reload(), CRL_POLL_MS);
    this.timer.unref();
    this.log.log(`business listener (client certificate required) on port ${this.port}, CRL #${crl.number}`);
    return this.port!;
  }

  /** Loads the newest CRL into the listener if it changed. */
  reload(): Promise<void> {
    this.reloading ??= this.doReload().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async doReload(): Promise<void> {
    if (!this.server || !this.tls) return;
    try {
      const [ca, crl] = await Promise.all([this.ca.current(), this.crl.latest()]);
      if (!crl) return;
      this.crl.checkExpiry(crl);
      if (crl.number === this.crlNumber) return;
      this.server.setSecureContext(trustContext(this.tls, { ca: ca.material.certificatePem, crl: crl.pem }));
      this.crlNumber = crl.number;
      this.log.log(`CRL #${crl.number} (${crl.entries} entries) loaded into the business listener`);
    } catch (e) {
      this.log.error(`CRL reload failed: ${(e as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    });
  }
}
