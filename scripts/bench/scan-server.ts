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
  await app.listen({ port: config.HTTP_PORT, host: '127.0.0.1' });
  process.stdout.write(`READY ${config.HTTP_PORT}\n`);
  process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
