import { MikroORM, RequestContext } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import Fastify, { FastifyInstance } from 'fastify';
import { storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { Writable } from 'node:stream';
import { HOT_ROUTE_KEYS, registerRequestScope } from './request-scope';

describe('registerRequestScope (per-request entity manager and logger, skipped on the hot routes)', () => {
  let orm: MikroORM;
  let app: FastifyInstance;
  const lines: Array<Record<string, any>> = [];
  const seen: Array<{ route: string; em: unknown; logReqId: unknown }> = [];

  beforeAll(async () => {
    // no connection is needed to fork an entity manager
    orm = await MikroORM.init({ driver: PostgreSqlDriver, dbName: 'request_scope_spec', entities: [], discovery: { warnWhenNoEntities: false }, connect: false });
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    const root = pino({ level: 'info' }, sink);
    app = Fastify({ genReqId: (req) => String(req.headers['x-request-id'] ?? 'generated') });
    registerRequestScope(app, {
      em: orm.em,
      httpLog: { genReqId: (req) => String(req.headers['x-request-id'] ?? '') },
      rootLogger: () => root,
    });
    const record = (route: string) => async () => {
      await new Promise((r) => setImmediate(r)); // the scope must survive an async hop
      seen.push({ route, em: RequestContext.getEntityManager(), logReqId: storage.getStore()?.logger.bindings().req?.id });
      return { ok: true };
    };
    app.get('/sales/events', record('plain'));
    app.post('/access-control/scanner/scans', record('hot'));
    app.post('/shop/events/:eventId/holds/quantity', record('hot-with-param'));
    app.get('/shop/events/:eventId/holds/quantity', record('same-path-other-method'));
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await orm.close();
  });

  it('hotRouteKeys_areTheRoutesAsFastifyReportsThem', () => {
    expect(HOT_ROUTE_KEYS).toEqual(
      new Set([
        'POST /shop/events/:eventId/holds/seats',
        'POST /shop/events/:eventId/holds/best-available',
        'POST /shop/events/:eventId/holds/quantity',
        'POST /access-control/scanner/scans',
      ]),
    );
  });

  it('ordinaryRoute_getsItsOwnForkedEntityManager_andALoggerWithTheRequestId_andOneAccessLogLine', async () => {
    seen.length = 0;
    lines.length = 0;
    await app.inject({ method: 'GET', url: '/sales/events', headers: { 'x-request-id': 'req-a' } });
    await app.inject({ method: 'GET', url: '/sales/events', headers: { 'x-request-id': 'req-b' } });
    await app.inject({ method: 'GET', url: '/shop/events/e1/holds/quantity', headers: { 'x-request-id': 'req-c' } });
    expect(seen.map((s) => s.route)).toEqual(['plain', 'plain', 'same-path-other-method']);
    for (const s of seen) {
      expect(s.em).toBeDefined();
      expect(s.em).not.toBe(orm.em); // a fork, not the global manager
    }
    expect(seen[0].em).not.toBe(seen[1].em);
    expect(seen.map((s) => s.logReqId)).toEqual(['req-a', 'req-b', 'req-c']);
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(completed.map((l) => l.req.id)).toEqual(['req-a', 'req-b', 'req-c']);
  });

  it('requestWithoutAnId_isLoggedWithTheIdFastifyGaveIt', async () => {
    seen.length = 0;
    lines.length = 0;
    await app.inject({ method: 'GET', url: '/sales/events' });
    expect(seen.map((s) => s.logReqId)).toEqual(['generated']);
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => l.req.id)).toEqual(['generated']);
  });

  it('hotRoutes_runWithoutEntityManagerContextOrRequestLogger', async () => {
    seen.length = 0;
    lines.length = 0;
    await app.inject({ method: 'POST', url: '/access-control/scanner/scans', payload: {}, headers: { 'x-request-id': 'hot-1' } });
    await app.inject({ method: 'POST', url: '/shop/events/e1/holds/quantity', payload: {}, headers: { 'x-request-id': 'hot-2' } });
    expect(seen.map((s) => s.route)).toEqual(['hot', 'hot-with-param']);
    for (const s of seen) {
      expect(s.em).toBeUndefined();
      expect(s.logReqId).toBeUndefined();
    }
    expect(lines).toEqual([]);
  });

  it('unknownRoute_isNotHot_andIsLogged', async () => {
    lines.length = 0;
    const r = await app.inject({ method: 'POST', url: '/access-control/scanner/scans/extra', headers: { 'x-request-id': 'nf-1' } });
    expect(r.statusCode).toBe(404);
    expect(lines.filter((l) => l.msg === 'request completed').map((l) => l.req.id)).toEqual(['nf-1']);
  });
});
