import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import { Logger, Params, PARAMS_PROVIDER_TOKEN, PinoLogger } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { AppConfig } from '../../../config/configuration';
import { Metrics } from '../metrics/metrics.module';
import { ProblemDetailsFilter } from './problem.filter';
import { TlsMaterial } from './tls-material';
import { BSI_TLS_POLICY } from './tls-policy';
import { createValidationPipe } from './validation';
import { REDIS } from '../redis/redis.module';
import { registerPublicRateLimit } from './rate-limit';
import { registerRequestScope } from './request-scope';
import { FastLane } from './fast-lane';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the HTTPS application exactly as production runs it (main.ts and the e2e tests both use this): Fastify over
 * TLS with the BSI policy, HSTS, request ids, JSON logs, problem+json errors, strict validation, OpenAPI at /docs,
 * latency metrics and graceful shutdown.
 */
export async function createHttpApp(rootModule: DynamicModule, config: AppConfig, tls: TlsMaterial): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    https: { key: tls.key, cert: tls.cert, ...BSI_TLS_POLICY },
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUSTED_PROXIES,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    keepAliveTimeout: 65_000,
    requestTimeout: 30_000,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));

  const fastify = app.getHttpAdapter().getInstance();
  // before Nest registers its routes (at init): the lane swaps the handler of the routes it serves
  app.get(FastLane).install(fastify, { enabled: config.HTTP_FAST_LANE });
  registerRequestScope(fastify, {
    em: app.get(MikroORM).em,
    httpLog: (app.get<Params>(PARAMS_PROVIDER_TOKEN).pinoHttp ?? {}) as Options,
    rootLogger: () => PinoLogger.root,
  });
  await registerPublicRateLimit(fastify, app.get(REDIS), config.REDIS_KEY_PREFIX, config.RATE_LIMIT_PUBLIC_WRITES_PER_MIN, config.RATE_LIMIT_SYNC_MS);
  const hsts = `max-age=${config.HSTS_MAX_AGE_S}; includeSubDomains`;
  // (callback-style hooks: an async hook costs a promise per request, and Node 20 runs async-context hooks per promise)
  fastify.addHook('onRequest', (req, reply, done) => {
    req.raw.headers['x-request-id'] = req.id;
    reply.header('strict-transport-security', hsts);
    reply.header('x-request-id', req.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    done();
  });
  const metrics = app.get(Metrics);
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    const labels = { method: req.method, route, status: String(reply.statusCode) };
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    metrics.httpRequests.inc(labels);
    done();
  });
  // Errors raised by Fastify itself (body parsing, size limits): Nest installs its own Fastify error handler at init
  // (replacing any set here), turns them into HttpExceptions and hands them to ProblemDetailsFilter below.

  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(createValidationPipe());
  // SIGTERM/SIGINT: drain (ShutdownState), close the listener after in-flight requests, close workers and pools, exit 0
  app.enableShutdownHooks(undefined, { useProcessExit: true });

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('ProTicket API')
      .setDescription(
        'Sales, escrow, ticketing, access control and security. Errors are application/problem+json with a stable `code`. ' +
          'Authenticate with `Authorization: Bearer <session token or API key>`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
