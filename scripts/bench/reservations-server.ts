import 'reflect-metadata';
import { loadConfig } from '../../config/configuration';
import { AppModule } from '../../src/app.module';
import { createHttpApp } from '../../src/infrastructure/http/create-http-app';
import { loadTlsMaterial } from '../../src/infrastructure/http/tls-material';

/** One ProTicket API instance for `npm run bench:reservations` (the driver starts one or more of these). */
async function main(): Promise<void> {
  const config = loadConfig();
  const tls = await loadTlsMaterial(config);
  const app = await createHttpApp(AppModule.forRoot(config), config, tls);
  await app.listen({ port: config.HTTP_PORT, host: '127.0.0.1' });
  process.stdout.write(`READY ${config.HTTP_PORT}\n`);
  process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
