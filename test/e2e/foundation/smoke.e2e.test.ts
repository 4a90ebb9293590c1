import { TestApp } from '../../support/app-harness';

// Generous for a loaded machine (app boot, migrations, child processes through ts-node); a passing run is far faster.
jest.setTimeout(180_000);

describe('foundation smoke (real HTTPS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('ready_whenPostgresRedisAndMigrationsAreUp_is200', async () => {
    const r = await t.get('/health/ready');
    expect({ status: r.status, body: r.status === 200 ? 'ok' : r.body }).toEqual({ status: 200, body: 'ok' });
    expect(r.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('tenant_canLogInAndSeeItself', async () => {
    const tenant = await t.createTenant('organizer', ['organizer-admin']);
    const me = await t.get('/auth/me', tenant.token);
    expect(me.status).toBe(200);
    expect(me.body.organizationId).toBe(tenant.organizationId);
  });
});
