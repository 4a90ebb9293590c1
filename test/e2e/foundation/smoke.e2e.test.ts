import { runSql } from '../../../src/infrastructure/database/sql';
import { pgTimestamptzToIso } from '../../../src/infrastructure/database/iso-timestamp-driver';
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

  it('rawSqlTimes_areIso8601InUtc_asTheApiPromises', async () => {
    const [r] = await runSql<{ a: string; b: string; c: string; d: string }>(
      t.em(),
      `select '2027-01-03 17:40:29.356789+01'::timestamptz a, '2027-01-03 16:40:29+00'::timestamptz b, 'infinity'::timestamptz c, now() d`,
    );
    expect(r.a).toBe('2027-01-03T16:40:29.356Z');
    expect(r.b).toBe('2027-01-03T16:40:29.000Z');
    expect(r.c).toBe('infinity');
    expect(r.d).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // an entity still hydrates a Date from it (the organization created by a tenant has a createdAt)
    const tenant = await t.createTenant('organizer', ['organizer-admin']);
    expect((await t.get('/auth/me', tenant.token)).status).toBe(200);
  });

  it('pgTimestamptzToIso_convertsOffsetsWithMinutes_andLeavesOtherTextAlone', () => {
    expect(pgTimestamptzToIso('2026-12-04 23:10:00.5+05:30')).toBe('2026-12-04T17:40:00.500Z');
    expect(pgTimestamptzToIso('2026-12-04 10:00:00-08')).toBe('2026-12-04T18:00:00.000Z');
    expect(pgTimestamptzToIso('-infinity')).toBe('-infinity');
    expect(pgTimestamptzToIso('0044-03-15 12:00:00+00 BC')).toBe('0044-03-15 12:00:00+00 BC');
  });
});
