import 'reflect-metadata';
import { PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../../config/configuration';
import { AppModule } from '../../src/app.module';
import { createHttpApp } from '../../src/infrastructure/http/create-http-app';
import { loadTlsMaterial } from '../../src/infrastructure/http/tls-material';
import { ReservationStore } from '../../src/modules/sales/application/commands/reservation.store';

/** One ProTicket API instance for `npm run bench:reservations` (the driver starts one or more of these). */
async function main(): Promise<void> {
  const config = loadConfig();
  const tls = await loadTlsMaterial(config);
  const app = await createHttpApp(AppModule.forRoot(config), config, tls);
  await app.listen({ port: config.HTTP_PORT, host: '127.0.0.1' });
  let handshakes = 0;
  // time the main thread spent in garbage collection pauses (scavenges and mark-compact), reported at exit
  const gc = { ms: 0, count: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.ms += e.duration;
      gc.count++;
    }
  }).observe({ entryTypes: ['gc'] });
  app.getHttpServer().on('secureConnection', () => handshakes++);
  process.stdout.write(`READY ${config.HTTP_PORT}\n`);
  // On SIGTERM report this process's CPU time (µs) so the driver can compute server CPU per reservation.
  process.on('SIGTERM', () => {
    const cpu = process.cpuUsage();
    process.stderr.write(`[bench] instance on ${config.HTTP_PORT}: ${handshakes} TLS handshakes, GC pauses ${gc.count} (${gc.ms.toFixed(0)} ms, whole life)\n`);
    const b = app.get(ReservationStore).batchStats;
    const per = (r: number, n: number) => (n ? (r / n).toFixed(2) : '-');
    process.stderr.write(
      `[bench] instance on ${config.HTTP_PORT}: micro-batches seats/best ${b.exactRequests} requests in ${b.exactStatements} statements (${per(b.exactRequests, b.exactStatements)}/statement), ` +
        `GA ${b.gaRequests} in ${b.gaStatements} (${per(b.gaRequests, b.gaStatements)}/statement); ` +
        `mean statement time seats/best ${per(b.exactMs, b.exactStatements)} ms, GA ${per(b.gaMs, b.gaStatements)} ms, ` +
        `best-available reads ${b.seatReads} × ${per(b.seatReadMs, b.seatReads)} ms\n`,
    );
    process.stdout.write(`CPU ${cpu.user} ${cpu.system}\n`, () => void app.close().finally(() => process.exit(0)));
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
