import { runSql } from '../../../src/infrastructure/database/sql';
import { TestApp } from '../../support/app-harness';
import { makePlan, setupEvent, waitFor } from '../sales/sales-fixtures';

/**
 * Ticketing and Access Control create an event's signing keys, gates and devices on first use. Event ids are public
 * (the shop lists them), so the owner must not depend on who comes first: Sales announces it (`sales.EventCreated`)
 * and both modules refuse every other organizer with a 404 — before the owner has touched the event there.
 */
describe('event ownership across modules (Sales → Ticketing, Access Control; real HTTPS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('anotherOrganizer_cannotClaimAnAnnouncedEvent_inTicketingOrAccessControl_theOwnerCan', async () => {
    const s = await setupEvent(t, makePlan({ rows: 1, seats: 4 }));
    const other = await t.createTenant('organizer', ['organizer-admin']);
    await waitFor(async () => (await runSql(t.em(), `select 1 from ticketing.event_owner where event_id = ?`, [s.eventId])).length > 0);
    await waitFor(async () => (await runSql(t.em(), `select 1 from access_control.event where event_id = ?`, [s.eventId])).length > 0);

    const rotate = await t.post(`/ticketing/events/${s.eventId}/keys/rotate`, { compromised: false }, other.token);
    expect(rotate.status).toBe(404);
    expect(rotate.body.code).toBe('TICKETING.EVENT_NOT_FOUND');
    const configure = await t.request('PUT', `/access-control/events/${s.eventId}`, { body: { reentryPolicy: 'multiple' }, token: other.token });
    expect(configure.status).toBe(404);
    expect((await t.post(`/access-control/events/${s.eventId}/gates`, { name: 'Squat' }, other.token)).status).toBe(404);
    expect(await runSql(t.em(), `select 1 from ticketing.signing_key where event_id = ?`, [s.eventId])).toHaveLength(0);

    // the owner configures both as usual
    expect((await t.post(`/ticketing/events/${s.eventId}/keys/rotate`, { compromised: false }, s.organizer.token)).status).toBe(200);
    const mine = await t.request('PUT', `/access-control/events/${s.eventId}`, { body: { reentryPolicy: 'entry-exit' }, token: s.organizer.token });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ eventId: s.eventId, reentryPolicy: 'entry-exit' });
  });
});
