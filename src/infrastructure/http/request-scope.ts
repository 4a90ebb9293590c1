import { EntityManager, RequestContext } from '@mikro-orm/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { storage, Store } from 'nestjs-pino/storage';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, HttpLogger, Options } from 'pino-http';
import { HOT_ROUTES } from './hot-routes';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD', 'SEARCH'];

/** `POST /access-control/scanner/scans` — the route keys of HOT_ROUTES as Fastify reports them in `routeOptions`. */
export const HOT_ROUTE_KEYS: ReadonlySet<string> = new Set(HOT_ROUTES.map((r) => `${METHODS[r.method]} /${r.path.replace(/^\//, '')}`));

export const isHotRoute = (req: Pick<FastifyRequest, 'method' | 'routeOptions'>): boolean =>
  req.routeOptions?.url !== undefined && HOT_ROUTE_KEYS.has(`${req.method} ${req.routeOptions.url}`);

/**
 * The per-request scope of every route except the hot ones (hot-routes.ts), as one Fastify `onRequest` hook:
 * - MikroORM's RequestContext (a forked entity manager per request) — MikroORM's documented Fastify integration;
 * - nestjs-pino's request logger: pino-http (a child logger with the request id, one access-log line per request) and
 *   nestjs-pino's async-local store, so `Logger`/`PinoLogger` calls made while handling the request carry its id.
 *
 * Both used to be Nest middleware (`MikroOrmMiddleware`, nestjs-pino's `forRoutes`). Nest runs middleware through
 * @fastify/middie for EVERY request — path normalisation, a RegExp per middleware, Nest's exclusion check — even where
 * every middleware excludes the route: 17 % of the event loop's time per online scan (bench:scan, docs/benchmarks.md).
 * A hook that looks at the route Fastify already matched costs one Set lookup on the hot routes.
 */
type RawRequest = IncomingMessage & { log: Logger; fastifyRequestId: string };

export function registerRequestScope(
  fastify: FastifyInstance,
  deps: {
    em: EntityManager;
    /** pino-http's options (LoggingModule's `pinoHttp`). */
    httpLog: Options;
    /** The root logger, read at the first request: nestjs-pino creates it (redaction, level) when the app initialises. */
    rootLogger: () => Logger;
  },
): void {
  let logRequest: HttpLogger | undefined;
  fastify.addHook('onRequest', (req, reply, done) => {
    if (isHotRoute(req)) return done();
    // the request id is Fastify's (client's x-request-id if valid, else generated), whatever ran before this hook
    logRequest ??= pinoHttp({ ...deps.httpLog, genReqId: (r) => (r as RawRequest).fastifyRequestId, logger: deps.rootLogger() });
    const raw = req.raw as RawRequest;
    raw.fastifyRequestId = req.id;
    logRequest(raw, reply.raw as ServerResponse);
    storage.run(new Store(raw.log), () => RequestContext.create(deps.em, done));
  });
}
