import { TestApp } from '../../support/app-harness';

// Generous for a loaded machine (app boot, migrations, child processes through ts-node); a passing run is far faster.
jest.setTimeout(180_000);

/**
 * The HTTP edge: bad input always ends in a 4xx problem+json with a stable code (never a 500), and the operational
 * endpoints (/health, /metrics, /docs) answer as operations expect.
 */
describe('HTTP edge: bad input, health, metrics (real HTTPS)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  const expectProblem = (r: { status: number; headers: Record<string, unknown>; body: any }, status: number, code: string) => {
    expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
    expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status, title: expect.any(String), correlationId: expect.any(String) });
  };
  const json = { 'content-type': 'application/json' };

  describe('bad input', () => {
    it('malformedJson_is400_REQUEST_MALFORMED_JSON', async () => {
      const r = await t.request('POST', '/auth/login', { raw: '{"email": "a@b.de", "password": ', headers: json });
      expectProblem(r, 400, 'REQUEST.MALFORMED_JSON');
    });

    it('unknownField_is400_listingTheField', async () => {
      const r = await t.post('/auth/login', { email: 'a@b.de', password: 'x', isAdmin: true });
      expectProblem(r, 400, 'REQUEST.VALIDATION_FAILED');
      expect(r.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'isAdmin' })]));
    });

    it('wrongTypes_is400_listingEachField', async () => {
      const r = await t.post('/auth/login', { email: 42, password: { $ne: null } });
      expectProblem(r, 400, 'REQUEST.VALIDATION_FAILED');
      const fields = new Set((r.body.errors as { field: string }[]).map((e) => e.field));
      expect(fields).toEqual(new Set(['email', 'password']));
    });

    it('missingFields_is400', async () => {
      const r = await t.post('/organizations', {}, admin);
      expectProblem(r, 400, 'REQUEST.VALIDATION_FAILED');
      expect((r.body.errors as { field: string }[]).map((e) => e.field)).toEqual(expect.arrayContaining(['kind', 'name']));
    });

    it('twoMegabyteBody_is413_REQUEST_BODY_TOO_LARGE', async () => {
      const big = JSON.stringify({ email: 'a@b.de', password: 'x'.repeat(2 * 1024 * 1024) });
      const r = await t.request('POST', '/auth/login', { raw: big, headers: json });
      expectProblem(r, 413, 'REQUEST.BODY_TOO_LARGE');
    });

    it('twoMegabyteBody_onAuthenticatedRoute_is413', async () => {
      const r = await t.request('POST', '/organizations', { raw: JSON.stringify({ kind: 'organizer', name: 'n'.repeat(2 << 20) }), headers: json, token: admin });
      expectProblem(r, 413, 'REQUEST.BODY_TOO_LARGE');
    });

    it.each([
      ['an array', '[1,2,3]'],
      ['null', 'null'],
      ['a string', '"hello"'],
      ['a number', '12'],
      ['a prototype-pollution attempt', '{"__proto__": {"isAdmin": true}, "email": "a@b.de", "password": "x"}'],
      ['a constructor-pollution attempt', '{"constructor": {"prototype": {"x": 1}}, "email": "a@b.de", "password": "x"}'],
    ])('bodyThatIs_%s_is4xxNever500', async (_what, raw) => {
      const r = await t.request('POST', '/auth/login', { raw, headers: json });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
      expect(r.body.code).toMatch(/^REQUEST\./);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('emptyJsonBody_is400', async () => {
      // Nest's own Fastify error handler turns Fastify's body errors into HttpExceptions; the filter maps them by status.
      const r = await t.request('POST', '/auth/login', { raw: '', headers: json });
      expectProblem(r, 400, 'REQUEST.MALFORMED_JSON');
    });

    it('unsupportedContentType_is415', async () => {
      const r = await t.request('POST', '/auth/login', { raw: 'email=a@b.de', headers: { 'content-type': 'application/x-proticket-unknown' } });
      expectProblem(r, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
    });

    it('formEncodedBody_getsTheSameValidation', async () => {
      const r = await t.request('POST', '/auth/login', {
        raw: 'email=a@b.de&password=x&isAdmin=true',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectProblem(r, 400, 'REQUEST.VALIDATION_FAILED');
    });

    it('wrongQueryType_is400', async () => {
      const r = await t.get('/users?organizationId=not-a-uuid', admin);
      expectProblem(r, 400, 'REQUEST.VALIDATION_FAILED');
    });

    it('unknownQueryParameter_is400', async () => {
      const r = await t.get('/users?role=platform-admin', admin);
      expectProblem(r, 400, 'REQUEST.VALIDATION_FAILED');
    });

    it('malformedIdInPath_is404', async () => {
      const r = await t.get('/organizations/not-a-uuid', admin);
      expectProblem(r, 404, 'REQUEST.NOT_FOUND');
    });

    it('unknownRoute_is404_problem', async () => {
      const r = await t.get('/definitely/not/here');
      expectProblem(r, 404, 'REQUEST.ROUTE_NOT_FOUND');
    });

    it('requestId_isEchoedAndUsedAsCorrelationId', async () => {
      const r = await t.request('POST', '/auth/login', { raw: '{', headers: { ...json, 'x-request-id': 'probe-123' } });
      expect(r.headers['x-request-id']).toBe('probe-123');
      expect(r.body.correlationId).toBe('probe-123');
    });
  });

  describe('health and metrics', () => {
    it('live_is200', async () => {
      const r = await t.get('/health/live');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ status: 'ok' });
    });

    it('ready_is200_withPostgresRedisMigrationsAndAcceptingChecks', async () => {
      const r = await t.get('/health/ready');
      expect({ status: r.status, body: r.status === 200 ? 'ok' : r.body }).toEqual({ status: 200, body: 'ok' });
      expect(r.body.status).toBe('ok');
      for (const check of ['postgres', 'redis', 'migrations', 'accepting']) expect(r.body.info[check]).toEqual({ status: 'up' });
    });

    it('metrics_exposeHttpLatencyHistogramByRouteTemplate', async () => {
      await t.get('/health/live');
      await t.get(`/organizations/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, admin);
      const r = await t.get('/metrics');
      expect(r.status).toBe(200);
      expect(String(r.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(r.text).toContain('# TYPE http_request_duration_seconds histogram');
      expect(r.text).toMatch(/http_request_duration_seconds_bucket\{[^}]*le="0\.1"[^}]*method="GET"[^}]*route="\/health\/live"[^}]*status="200"|http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/health\/live",status="200"\}/);
      // the route template, not the concrete id (bounded label cardinality)
      expect(r.text).toContain('route="/organizations/:id"');
      expect(r.text).not.toMatch(/route="\/organizations\/0{8}-/);
    });

    it('metrics_exposeBullmqQueueDepthGauge_perQueueAndState', async () => {
      const r = await t.get('/metrics');
      expect(r.text).toContain('# TYPE bullmq_queue_jobs gauge');
      for (const q of ['integration-events', 'maintenance', 'printing', 'payments', 'pki', 'backups']) {
        expect(r.text).toMatch(new RegExp(`bullmq_queue_jobs\\{queue="${q}",state="waiting"\\} \\d+`));
      }
    });

    it('metrics_countAQueuedJob', async () => {
      // A delayed job in a queue nothing else in this run uses: the gauge must see it.
      const jobs = t.app.get((await import('../../../src/infrastructure/jobs/jobs.module')).JobQueue);
      const job = await jobs.queue('backups').add('probe', {}, { delay: 60_000 });
      try {
        const r = await t.get('/metrics');
        const m = /bullmq_queue_jobs\{queue="backups",state="delayed"\} (\d+)/.exec(r.text);
        expect(Number(m?.[1])).toBeGreaterThanOrEqual(1);
      } finally {
        await job.remove();
      }
    });

    it('openApi_documentsTheApi', async () => {
      const r = await t.get('/docs/openapi.json');
      expect(r.status).toBe(200);
      expect(r.body.openapi).toMatch(/^3\./);
      expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/auth/login', '/health/ready']));
    });
  });
});
