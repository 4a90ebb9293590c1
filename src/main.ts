import 'reflect-metadata';
import 'dotenv/config';
import { ConfigError, loadConfig } from '../config/configuration';
import { preflight } from './infrastructure/preflight';

/** The API process: HTTPS listener (+ BullMQ workers and the outbox relay when WORKERS_IN_PROCESS=true). */
async function main(): Promise<void> {
  const config = loadConfig();
  const problems = await preflight(config);
  if (problems.length) {
    for (const p of problems) console.error(`ProTicket cannot start: ${p}`);
    process.exit(1);
  }
  // The application is loaded only once the settings and dependencies check out: a wrong setting is reported in about
  // a second instead of after loading every module.
  const [{ AppModule }, { createHttpApp }, { loadTlsMaterial }, { BusinessListener }] = await Promise.all([
    import('./app.module'),
    import('./infrastructure/http/create-http-app'),
    import('./infrastructure/http/tls-material'),
    import('./modules/security/pki/infrastructure/business-listener.service'),
  ]);
  const tls = await loadTlsMaterial(config);
  const app = await createHttpApp(AppModule.forRoot(config), config, tls);
  await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
  console.log(`ProTicket is listening on https://localhost:${port} (OpenAPI: https://localhost:${port}/docs)`);
  if (config.BUSINESS_LISTENER_ENABLED) {
    // Second port, same routes: always requires a client certificate of the platform CA (see docs/modules/security.md).
    const businessPort = await app.get(BusinessListener).start(app, tls, config.BUSINESS_HTTP_PORT, config.HTTP_HOST);
    console.log(`ProTicket business listener (client certificate required) on https://localhost:${businessPort}`);
  }
  if (!config.TLS_CERT_FILE) console.log(`Development CA to trust: ${config.TLS_DEV_DIR}/dev-ca.crt`);
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) console.error(`ProTicket cannot start. ${e.message}`);
  else console.error(`ProTicket cannot start: ${(e as Error)?.message ?? e}`);
  process.exit(1);
});
