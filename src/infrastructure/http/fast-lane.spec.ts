import 'reflect-metadata';
import { CanActivate, Controller, Injectable, Module, Post, Req } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../shared-kernel/domain-error';
import { FastLane, FastLaneModule } from './fast-lane';
import { ProblemDetailsFilter } from './problem.filter';
import { Authenticated, Public } from './route-access';

const calls = { guard: 0, handler: 0 };

@Injectable()
class CountingGuard implements CanActivate {
  canActivate(): boolean {
    calls.guard++;
    return true;
  }
}

@Controller('lane')
class LaneController {
  constructor(lane: FastLane) {
    lane.add('POST', '/lane/echo', LaneController.prototype.echo, (req) => this.answer(req));
  }

  @Post('echo')
  @Public()
  echo(@Req() req: FastifyRequest) {
    return this.answer(req);
  }

  /** Sync for {n}, a promise for {later}, throws a DomainError for {fail}, rejects for {failLater}. */
  private answer(req: FastifyRequest): unknown {
    calls.handler++;
    const b = req.body as { n?: number; later?: number; fail?: boolean; failLater?: boolean };
    if (b.fail) throw new DomainError('LANE.REFUSED', 'refused at once', 'validation');
    if (b.failLater) return Promise.reject(new DomainError('LANE.LATER', 'refused later', 'conflict'));
    if (b.later !== undefined) return new Promise((r) => setImmediate(() => r({ twice: b.later! * 2 })));
    return { n: b.n };
  }
}

async function start(enabled: boolean, extra: (lane: FastLane) => void = () => undefined): Promise<NestFastifyApplication> {
  @Module({ imports: [FastLaneModule], controllers: [LaneController], providers: [{ provide: APP_GUARD, useClass: CountingGuard }] })
  class AppModule {}
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false });
  const lane = app.get(FastLane);
  extra(lane);
  lane.install(app.getHttpAdapter().getInstance(), { enabled });
  app.useGlobalFilters(new ProblemDetailsFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const post = (app: NestFastifyApplication, body: unknown) =>
  app.inject({ method: 'POST', url: '/lane/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

describe('FastLane (hot routes answered from Fastify, same answers as through Nest)', () => {
  for (const enabled of [true, false]) {
    describe(enabled ? 'lane on' : 'lane off (through Nest)', () => {
      let app: NestFastifyApplication;
      beforeAll(async () => (app = await start(enabled)));
      afterAll(() => app.close());
      beforeEach(() => Object.assign(calls, { guard: 0, handler: 0 }));

      it('syncAndAsyncResults_areSentAsJson_withTheStatusNestWouldSend', async () => {
        const a = await post(app, { n: 7 });
        const b = await post(app, { later: 21 });
        // POST without @HttpCode: 201, as Nest answers it
        expect([a.statusCode, a.json()]).toEqual([201, { n: 7 }]);
        expect([b.statusCode, b.json()]).toEqual([201, { twice: 42 }]);
        expect(calls.handler).toBe(2);
        // on the lane Nest's pipeline (its global guard included) does not run
        expect(calls.guard).toBe(enabled ? 0 : 2);
      });

      it('thrownAndRejectedErrors_becomeTheSameProblemResponses', async () => {
        const a = await post(app, { fail: true });
        const b = await post(app, { failLater: true });
        expect(a.statusCode).toBe(400);
        expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(a.json()).toMatchObject({ code: 'LANE.REFUSED', status: 400 });
        expect(b.statusCode).toBe(409);
        expect(b.json()).toMatchObject({ code: 'LANE.LATER', status: 409 });
      });

      it('servedRoutes_areListed_onlyWhenTheLaneIsOn', () => {
        expect(app.get(FastLane).served).toEqual(enabled ? ['POST /lane/echo'] : []);
      });

      it('fastifyOwnChecks_stillApply_badJsonIs400', async () => {
        const r = await app.inject({ method: 'POST', url: '/lane/echo', headers: { 'content-type': 'application/json' }, payload: '{"n":' });
        expect(r.statusCode).toBe(400);
        expect(calls.handler).toBe(0);
      });
    });
  }

  it('publicRoutePolicy_runsBeforeTheHandler_andCanRefuse_syncOrAsync', async () => {
    let mode: 'pass' | 'refuse' | 'refuseLater' = 'pass';
    const app = await start(true, (lane) =>
      lane.usePublicRoutePolicy(() => {
        if (mode === 'refuse') throw new DomainError('PKI.CERT_MISSING', 'no certificate', 'forbidden');
        if (mode === 'refuseLater') return Promise.reject(new DomainError('PKI.CERT_REVOKED', 'revoked', 'forbidden'));
        return undefined;
      }),
    );
    try {
      calls.handler = 0;
      expect((await post(app, { n: 1 })).statusCode).toBe(201);
      mode = 'refuse';
      const a = await post(app, { n: 1 });
      mode = 'refuseLater';
      const b = await post(app, { n: 1 });
      expect([a.statusCode, a.json().code, b.statusCode, b.json().code]).toEqual([403, 'PKI.CERT_MISSING', 403, 'PKI.CERT_REVOKED']);
      expect(calls.handler).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('aRouteThatIsNotPublic_isRefusedAtRegistration', () => {
    class Secret {
      @Authenticated()
      handler() {
        return null;
      }
    }
    expect(() => new FastLane().add('POST', '/secret', Secret.prototype.handler, () => null)).toThrow(/must be declared @Public/);
  });

  it('aLaneRouteNestNeverRegistered_failsTheBoot', async () => {
    await expect(start(true, (lane) => lane.add('POST', '/lane/typo', LaneController.prototype.echo, () => null))).rejects.toThrow(
      /no such route registered: POST \/lane\/typo/,
    );
  });
});
