import 'reflect-metadata';
import { loadConfig } from '../../config/configuration';
import { AppModule } from '../../src/app.module';
import { createHttpApp } from '../../src/infrastructure/http/create-http-app';
import { loadTlsMaterial } from '../../src/infrastructure/http/tls-material';
import { EVENT_TRUST_SOURCE, EventPublicKey, EventTrustSource } from '../../src/modules/access-control/application/event-trust-source.port';

/**
 * One ProTicket API instance for `npm run bench:scan`. The events' public keys are handed to Access Control's
 * EventTrustSource port from BENCH_TRUST_KEYS (JSON: eventId → keys) instead of Ticketing's print path, so the bench
 * needs no print run; everything after the port (HTTPS, device auth, verification, the scan SQL) is the real path.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const tls = await loadTlsMaterial(config);
  const app = await createHttpApp(AppModule.forRoot(config), config, tls);
  const keys = JSON.parse(process.env.BENCH_TRUST_KEYS ?? '{}') as Record<string, EventPublicKey[]>;
  const source = app.get<EventTrustSource>(EVENT_TRUST_SOURCE, { strict: false });
  source.publicKeys = async (_organizerId: string, eventId: string) => keys[eventId] ?? [];
  if (process.env.BENCH_TIMING) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ScanService } = require('../../src/modules/access-control/application/scan.service');
    const stats: Record<string, number[]> = { scanOnline: [], recordScans: [] };
    for (const m of ['scanOnline', 'recordScans']) {
      const orig = ScanService.prototype[m];
      ScanService.prototype[m] = async function (...a: unknown[]) {
        const t0 = performance.now();
        try {
          return await orig.apply(this, a);
        } finally {
          stats[m].push(performance.now() - t0);
        }
      };
    }
    const fastify = app.getHttpAdapter().getInstance();
    const http: number[] = [];
    fastify.addHook('onResponse', async (_req, reply) => void http.push(reply.elapsedTime));
    setInterval(() => {
      const f = (xs: number[]) => (xs.length ? `${xs.length} avg ${(xs.reduce((x, y) => x + y, 0) / xs.length).toFixed(1)} ms` : '-');
      process.stderr.write(`[timing ${config.HTTP_PORT}] http ${f(http)} | scanOnline ${f(stats.scanOnline)} | sql ${f(stats.recordScans)}\n`);
      http.length = 0;
      stats.scanOnline.length = 0;
      stats.recordScans.length = 0;
    }, 3000).unref();
  }
  // CPU time this process spends per scan request (machine-load independent, unlike wall-clock throughput)
  const fastify = app.getHttpAdapter().getInstance();
  let scans = 0;
  let cpuAtFirst: NodeJS.CpuUsage | null = null;
  // a callback hook: the measurement must not add a promise per request
  fastify.addHook('onRequest', (req, _reply, done) => {
    if (req.url.startsWith('/access-control/scanner/scans')) {
      if (!cpuAtFirst) cpuAtFirst = process.cpuUsage();
      scans++;
    }
    done();
  });
  await app.listen({ port: config.HTTP_PORT, host: '127.0.0.1' });
  process.stdout.write(`READY ${config.HTTP_PORT}\n`);
  // the driver writes "stats" on stdin (Nest's shutdown hooks own the signals)
  process.stdin.on('data', () => {
    const d = cpuAtFirst ? process.cpuUsage(cpuAtFirst) : { user: 0, system: 0 };
    process.stdout.write(`STATS ${JSON.stringify({ scans, cpuMs: (d.user + d.system) / 1000 })}\n`);
  });
  process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
