import { Global, HttpStatus, Injectable, Logger, Module } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ROUTE_ACCESS, RouteAccess } from './route-access';
import { sendProblem } from './problem.filter';

/** What a fast-lane handler gets and returns: the body to send, or a promise of it; throws → problem. */
export type FastLaneHandler = (req: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * The checks Nest's global guard runs for a @Public route (Security registers them: client-certificate enforcement on
 * the business listener). `undefined` when there is nothing to check — the common case costs no promise.
 */
export type PublicRoutePolicy = (req: FastifyRequest, reply: FastifyReply) => Promise<void> | undefined;

interface LaneRoute {
  handle: FastLaneHandler;
  /** The Nest controller method that declares (and documents) the route; it must be @Public. */
  declaredBy: string;
  /** The success status Nest would send (@HttpCode, else 201 for POST and 200 otherwise). */
  status: number;
}

const key = (method: string, url: string) => `${method.toUpperCase()} ${url}`;

/**
 * The fast lane: a few hot routes (thousands of requests per second at the doors) are answered by their handler
 * directly from Fastify, without Nest's per-request pipeline. The route stays a normal Nest controller method — it
 * declares the path, the access rule (@Public only) and the OpenAPI documentation, and it calls the same handler, so
 * with the lane off (`HTTP_FAST_LANE=false`) the route behaves the same through Nest. The lane only swaps the Fastify
 * handler Nest registers for that route (an `onRoute` hook), so Fastify's own parts still run as for every route:
 * body parser and size limit, the global hooks (request id, HSTS, metrics, request scope), route config (rate limit).
 *
 * What it leaves out, measured: Nest's execution context, guard/pipe/interceptor consumers and response controller
 * create some ten promises per request, and Node 20 runs the async-context hooks of every AsyncLocalStorage in the
 * process for each; the online scan spent ~25 % less event-loop time per request on the lane (docs/benchmarks.md).
 * What it keeps, by construction: the global guard's checks for a public route (PublicRoutePolicy, registered by
 * Security's AuthGuard) and the problem+json error answer of the global filter (`sendProblem`).
 */
@Injectable()
export class FastLane {
  private readonly log = new Logger('FastLane');
  private readonly routes = new Map<string, LaneRoute>();
  private policy: PublicRoutePolicy = () => undefined;
  private enabled = true;

  /**
   * Serves `method url` (the path as Fastify sees it, e.g. `/access-control/scanner/scans`) with `handle`. `declaredBy`
   * is the controller method that declares the route; registering a route that is not @Public fails at boot (the lane
   * runs no authentication of users: its handlers authenticate their own callers, e.g. scanner devices).
   */
  add(method: string, url: string, declaredBy: (...args: never[]) => unknown, handle: FastLaneHandler): void {
    const access = Reflect.getMetadata(ROUTE_ACCESS, declaredBy) as RouteAccess | undefined;
    if (access?.kind !== 'public') throw new Error(`fast lane: ${method} ${url} must be declared @Public (its handler authenticates its callers)`);
    const status = (Reflect.getMetadata(HTTP_CODE_METADATA, declaredBy) as number | undefined) ?? (method.toUpperCase() === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    this.routes.set(key(method, url), { handle, declaredBy: declaredBy.name, status });
  }

  usePublicRoutePolicy(policy: PublicRoutePolicy): void {
    this.policy = policy;
  }

  /** Before Nest registers its routes (createHttpApp). `enabled: false` leaves every route to Nest. */
  install(fastify: FastifyInstance, options: { enabled: boolean }): void {
    this.enabled = options.enabled;
    if (!this.enabled) return;
    const swapped = new Set<string>();
    fastify.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const k = methods.length === 1 ? key(methods[0], route.url) : '';
      const lane = this.routes.get(k);
      if (!lane) return;
      route.handler = this.handlerFor(lane);
      swapped.add(k);
    });
    // a lane route Nest never registered (path typo, controller not mounted) must not pass silently
    fastify.addHook('onReady', (done) => {
      const missing = [...this.routes].filter(([k]) => !swapped.has(k)).map(([k, r]) => `${k} (${r.declaredBy})`);
      if (!missing.length) this.log.log(`serving ${[...swapped].join(', ')}`);
      done(missing.length ? new Error(`fast lane: no such route registered: ${missing.join(', ')}`) : undefined);
    });
  }

  /** The routes served on the lane (`POST /path`), for tests and the start-up log. */
  get served(): string[] {
    return this.enabled ? [...this.routes.keys()] : [];
  }

  private handlerFor(lane: LaneRoute) {
    const fail = (req: FastifyRequest, reply: FastifyReply) => (e: unknown) => sendProblem(e, req, reply, this.log);
    const send = (req: FastifyRequest, reply: FastifyReply, body: unknown): void => {
      try {
        reply.code(lane.status).send(body);
      } catch (e) {
        fail(req, reply)(e); // an error while sending must not become an unhandled rejection
      }
    };
    const run = (req: FastifyRequest, reply: FastifyReply): void => {
      const out = lane.handle(req, reply);
      // one reaction with both callbacks (not then().catch(): a promise less per request)
      if (out instanceof Promise) out.then((body) => send(req, reply, body), fail(req, reply));
      else send(req, reply, out);
    };
    // a plain function (not async): Fastify waits for reply.send; no promise unless the handler makes one
    return (req: FastifyRequest, reply: FastifyReply): void => {
      try {
        const checked = this.policy(req, reply);
        if (checked) checked.then(() => run(req, reply)).catch(fail(req, reply));
        else run(req, reply);
      } catch (e) {
        fail(req, reply)(e);
      }
    };
  }
}

@Global()
@Module({ providers: [FastLane], exports: [FastLane] })
export class FastLaneModule {}
