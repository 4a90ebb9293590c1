import 'reflect-metadata';
import 'dotenv/config';
import { ConfigError, loadConfig } from '../config/configuration';
import { preflight } from './infrastructure/preflight';

/** The worker process (`npm run worker`): BullMQ workers and the outbox relay, no HTTP listener. */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, WORKERS_IN_PROCESS: 'true' });
  const problems = await preflight(config);
  if (problems.length) {
    for (const p of problems) console.error(`ProTicket worker cannot start: ${p}`);
    process.exit(1);
  }
  // loaded only once the settings and dependencies check out (a wrong setting is reported in about a second)
  const [{ NestFactory }, { Logger }, { AppModule }] = await Promise.all([import('@nestjs/core'), import('nestjs-pino'), import('./app.module')]);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(undefined, { useProcessExit: true }); // SIGTERM: finish active jobs, close, exit 0
  await app.init();
  console.log('ProTicket worker running (SIGTERM to stop gracefully)');
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) console.error(`ProTicket worker cannot start. ${e.message}`);
  else console.error(`ProTicket worker cannot start: ${(e as Error)?.message ?? e}`);
  process.exit(1);
});
