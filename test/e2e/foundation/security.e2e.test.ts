import { createHash } from 'node:crypto';
import { runSql } from '../../../src/infrastructure/database/sql';
import { TestApp, uniq } from '../../support/app-harness';
import { parseFastifyRoutes } from '../../support/fastify-routes';

// Generous for a loaded machine (app boot, migrations, child processes through ts-node); a passing run is far faster.
jest.setTimeout(180_000);

/**
 * Identity and tenancy over real HTTPS: brute-force throttling, password hashing, tenant isolation, and a walk over
 * every registered route proving that none answers an unauthenticated caller.
 *
 * Login throttling counts per client address too. Every failing login here comes from its own X-Forwarded-For
 * address (the listener trusts the loopback proxy), so the parallel suites' logins from 127.0.0.1 are not throttled.
 */
const ip = () => `10.${[1, 2, 3].map(() => Math.floor(Math.random() * 250) + 1).join('.')}`;

/**
 * Routes that answer without a credential, each for a reason. Every other route must answer 401. A module that adds
 * a @Public() route adds it here, with its reason (the walk fails until it does).
 */
const PUBLIC_ROUTES: Record<string, string> = {
  'POST /auth/login': 'how a credential is obtained',
  'GET /health/live': 'liveness probe of the orchestrator',
  'GET /health/ready': 'readiness probe of the load balancer',
  'GET /metrics': 'Prometheus scrape (bearer-protected when METRICS_TOKEN is set)',
  // Security/PKI: what relying parties fetch without a credential
  'GET /pki/crl': 'certificate revocation list (CRL distribution point, DER)',
  'GET /pki/crl.pem': 'certificate revocation list (PEM)',
  'GET /pki/ca.crt': 'platform CA certificate clients must trust',
  // Sales: the anonymous customer storefront (holds are guarded by their hold token, not by a login)
  'GET /shop/events': 'storefront: published events',
  'GET /shop/events/:eventId': 'storefront: one event',
  'GET /shop/events/:eventId/availability': 'storefront: availability',
  'GET /shop/events/:eventId/seat-map': 'storefront: seat map',
  'POST /shop/events/:eventId/holds/seats': 'storefront: hold chosen seats',
  'POST /shop/events/:eventId/holds/best-available': 'storefront: hold best available',
  'POST /shop/events/:eventId/holds/quantity': 'storefront: hold general admission',
  'GET /shop/holds/:holdId': 'storefront: own hold (hold token)',
  'DELETE /shop/holds/:holdId': 'storefront: release own hold (hold token)',
  'POST /shop/holds/:holdId/extend': 'storefront: extend own hold (hold token)',
  'POST /shop/holds/:holdId/order': 'storefront: order own hold (hold token)',
  // Ticketing: print@home download links (the unguessable token in the URL is the credential)
  'GET /ticketing/downloads/:token': 'print@home ticket download (capability URL)',
  // Escrow: the customer's card payment of a storefront order
  'POST /escrow/card/checkouts': 'storefront: start the card payment of an order (order number + payment reference)',
  'POST /escrow/sandbox/card/checkouts/:id/capture': 'card sandbox only (404 unless ESCROW_CARD_SANDBOX_ENABLED)',
  // Access control: the public key scanners verify offline packages with
  'GET /access-control/package-key': 'Ed25519 public key of the offline scan packages',
};
/**
 * Routes the global guard lets through because they check a credential of their own (scanner devices sign in with a
 * device key, not a session): an anonymous call must still be refused (4xx, never a 2xx).
 */
const OWN_CREDENTIAL_ROUTES: Record<string, string> = {
  'POST /access-control/scanner/enrol': 'scanner enrolment with a one-time enrolment code',
  'GET /access-control/scanner/me': 'scanner device key',
  'GET /access-control/scanner/events/:eventId/feed': 'scanner device key',
  'GET /access-control/scanner/events/:eventId/feed/stream': 'scanner device key',
  'GET /access-control/scanner/events/:eventId/package': 'scanner device key',
  'POST /access-control/scanner/events/:eventId/offline-scans': 'scanner device key',
  'POST /access-control/scanner/scans': 'scanner device key',
  'POST /escrow/webhooks/card': 'card provider webhook, HMAC-signed',
};
const ownCredential = (method: string, url: string) => `${method === 'HEAD' ? 'GET' : method} ${url}` in OWN_CREDENTIAL_ROUTES;

/** Swagger UI and the OpenAPI document: every GET under /docs (UI assets, openapi.json, -yaml alias). */
const isDocs = (method: string, url: string) => method === 'GET' && /^\/docs($|[/-])/.test(url);
/** HEAD twins of public GET routes are public too. */
const isPublic = (method: string, url: string) => {
  const get = method === 'HEAD' ? 'GET' : method;
  return `${get} ${url}` in PUBLIC_ROUTES || isDocs(get, url);
};

describe('identity and tenancy (real HTTPS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const login = (email: string, password: string, address: string) =>
    t.request('POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': address } });

  describe('brute force', () => {
    it('sixthAttempt_afterFiveWrongPasswords_is429_evenWithTheRightPassword', async () => {
      const u = await t.createTenant('organizer', ['organizer-staff']);
      const attacker = ip();
      for (let i = 0; i < 5; i++) {
        const r = await login(u.email, `wrong-password-${i}`, attacker);
        expect({ attempt: i + 1, status: r.status, code: r.body.code }).toEqual({ attempt: i + 1, status: 401, code: 'SECURITY.INVALID_CREDENTIALS' });
      }
      const sixth = await login(u.email, u.password, attacker);
      expect(sixth.status).toBe(429);
      expect(sixth.body.code).toBe('SECURITY.LOGIN_RATE_LIMITED');
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(sixth.headers['retry-after'])).toBeLessThanOrEqual(60);
      // the account is held closed for strangers (another address, right password) too
      const stranger = await login(u.email, u.password, ip());
      expect(stranger.status).toBe(429);
    });

    it('fiveFailuresFromOneAddress_acrossAccounts_throttleThatAddress', async () => {
      const victim = await t.createTenant('organizer', ['organizer-staff']);
      const sprayer = ip();
      for (let i = 0; i < 5; i++) expect((await login(`nobody-${uniq()}@test.proticket.local`, 'guess-guess-guess', sprayer)).status).toBe(401);
      const r = await login(victim.email, victim.password, sprayer);
      expect(r.status).toBe(429);
      expect(r.body.code).toBe('SECURITY.LOGIN_RATE_LIMITED');
      // the same account from a clean address is fine: the address was throttled, not the account
      expect((await login(victim.email, victim.password, ip())).status).toBe(200);
    });

    it('owner_fromAKnownAddress_isNotLockedOutByAnAttackerElsewhere', async () => {
      const u = await t.createTenant('organizer', ['organizer-staff']);
      const home = ip();
      expect((await login(u.email, u.password, home)).status).toBe(200);
      const attacker = ip();
      for (let i = 0; i < 6; i++) await login(u.email, `wrong-${i}-password`, attacker);
      expect((await login(u.email, u.password, attacker)).status).toBe(429);
      expect((await login(u.email, u.password, home)).status).toBe(200);
    });

    it('fourFailures_doNotThrottle', async () => {
      const u = await t.createTenant('organizer', ['organizer-staff']);
      const a = ip();
      for (let i = 0; i < 4; i++) expect((await login(u.email, `wrong-${i}-password`, a)).status).toBe(401);
      expect((await login(u.email, u.password, a)).status).toBe(200);
    });
  });

  describe('credentials at rest', () => {
    it('passwords_areStoredAsArgon2id_withAtLeast19MiBAndTwoPasses', async () => {
      const u = await t.createTenant('presale-office', ['presale-clerk']);
      const [row] = await runSql<{ password_hash: string }>(t.em(), 'select password_hash from security."user" where id = ?', [u.userId]);
      expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
      expect(row.password_hash).not.toContain(u.password);
      const params = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(row.password_hash);
      expect(params).not.toBeNull();
      expect(Number(params![1])).toBeGreaterThanOrEqual(19456);
      expect(Number(params![2])).toBeGreaterThanOrEqual(2);
      // and every stored password hash (bootstrap admin included) is Argon2id
      const [{ n }] = await runSql<{ n: string }>(t.em(), `select count(*) as n from security."user" where password_hash not like '$argon2id$%'`);
      expect(Number(n)).toBe(0);
    });

    it('sessionTokensAndApiKeys_areStoredOnlyHashed', async () => {
      const u = await t.createTenant('organizer', ['organizer-admin']);
      const key = await t.post('/api-keys', { name: 'gate scanner', roles: ['scanner'] }, u.token);
      expect(key.status).toBe(201);
      const em = t.em();
      const sessions = await runSql<{ token_hash: Buffer }>(em, 'select token_hash from security.session where user_id = ?', [u.userId]);
      expect(sessions.length).toBeGreaterThan(0);
      const tokenSha = createHash('sha256').update(u.token).digest();
      const dump = JSON.stringify(await runSql(em, 'select * from security.session where user_id = ?', [u.userId]));
      expect(dump).not.toContain(u.token);
      // the session row holds SHA-256 of the token (found by it), never the token
      expect(sessions.some((s) => Buffer.compare(Buffer.from(s.token_hash), tokenSha) === 0)).toBe(true);
      const keyRow = JSON.stringify(await runSql(em, 'select * from security.api_key where id = ?', [key.body.id]));
      expect(keyRow).not.toContain(key.body.key);
      expect(keyRow).not.toContain(String(key.body.key).split('_').pop());
      // the key works as a credential
      expect((await t.get('/auth/me', key.body.key)).body).toMatchObject({ organizationId: u.organizationId, kind: 'api-key' });
    });
  });

  describe('tenant isolation', () => {
    let a: Awaited<ReturnType<TestApp['createTenant']>>;
    let b: Awaited<ReturnType<TestApp['createTenant']>>;
    let bKeyId: string;
    beforeAll(async () => {
      [a, b] = await Promise.all([t.createTenant('organizer', ['organizer-admin']), t.createTenant('organizer', ['organizer-admin'])]);
      const key = await t.post('/api-keys', { name: 'b scanner', roles: ['scanner'] }, b.token);
      bKeyId = key.body.id;
    });

    const missing = '6f1c2b8e-1d2a-4c3b-9e4f-5a6b7c8d9e0f';

    it.each([
      ['GET', (x: typeof b) => `/organizations/${x.organizationId}`],
      ['GET', (x: typeof b) => `/users/${x.userId}`],
      ['GET', (x: typeof b) => `/users?organizationId=${x.organizationId}`],
      ['PATCH', (x: typeof b) => `/users/${x.userId}`],
      ['DELETE', () => `/api-keys/${bKeyId}`],
    ] as const)('%s another tenant’s object is 404', async (method, path) => {
      const body = method === 'PATCH' ? { displayName: 'hijacked' } : undefined;
      const theirs = await t.request(method, path(b), { token: a.token, body });
      expect(theirs.status).toBe(404);
      expect(theirs.body.code).toMatch(/_NOT_FOUND$/);
      // indistinguishable from an object that does not exist at all
      const none = await t.request(method, path({ ...b, organizationId: missing, userId: missing }).replace(bKeyId, missing), { token: a.token, body });
      expect({ status: none.status, code: none.body.code }).toEqual({ status: theirs.status, code: theirs.body.code });
      // and the owner does see it (the 404 is isolation, not a broken route)
      if (method === 'GET') expect((await t.request(method, path(b), { token: b.token })).status).toBe(200);
    });

    it('creatingAUserInAnotherTenant_viaTheBody_is404_andCreatesNothing', async () => {
      const email = `intruder-${uniq()}@test.proticket.local`;
      const r = await t.post('/users', { organizationId: b.organizationId, email, displayName: 'x', password: 'long-enough-password', roles: ['organizer-staff'] }, a.token);
      expect(r.status).toBe(404);
      const rows = await runSql(t.em(), 'select 1 from security."user" where email = ?', [email]);
      expect(rows).toHaveLength(0);
      expect((await t.get(`/users/${b.userId}`, b.token)).body.displayName).not.toBe('hijacked');
    });

    it('lists_showOnlyTheCallersTenant', async () => {
      const orgs = await t.get('/organizations', a.token);
      expect(orgs.body.map((o: { id: string }) => o.id)).toEqual([a.organizationId]);
      const users = await t.get('/users', a.token);
      expect(users.body.every((u: { organizationId: string }) => u.organizationId === a.organizationId)).toBe(true);
      const keys = await t.get('/api-keys', a.token);
      expect(keys.body.map((k: { id: string }) => k.id)).not.toContain(bKeyId);
    });
  });

  describe('route walk', () => {
    it('routeParser_readsFastifysTree', () => {
      const tree = ['├── /docs (GET, HEAD)', '│   ├── / (GET)', '│   │   └── * (HEAD, GET)', '│   └── -yaml (GET)', '└── /users (POST)', '    └── /:id (PATCH)'].join('\n');
      expect(parseFastifyRoutes(tree).map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET /docs', 'HEAD /docs', 'GET /docs/', 'HEAD /docs/*', 'GET /docs/*', 'GET /docs-yaml', 'POST /users', 'PATCH /users/:id',
      ]);
    });

    const concrete = (url: string) =>
      url
        .replace(/:[A-Za-z_]\w*(\([^)]*\))?/g, '3b1f8d2c-5e6a-4f7b-8c9d-0e1f2a3b4c5d')
        .replace(/\*$/, 'x');

    it('everyRegisteredRoute_refusesAnUnauthenticatedCall_exceptTheDeclaredPublicOnes', async () => {
      const routes = t.routes.filter((r) => r.method !== 'OPTIONS');
      // the walk sees the whole app, not an empty list
      expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['GET /auth/me', 'POST /organizations', 'DELETE /api-keys/:id']));
      const answeredWithout: string[] = [];
      for (const r of routes) {
        if (isPublic(r.method, r.url)) continue;
        const path = concrete(r.url);
        const body = ['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined;
        const anonymous = await t.request(r.method, path, { body });
        const forged = await t.request(r.method, path, { body, headers: { authorization: 'Bearer pts_forged-token-0000000000000000' } });
        for (const [who, res] of [['anonymous', anonymous], ['forged token', forged]] as const) {
          // HEAD answers carry no body: the status alone
          const refused = ownCredential(r.method, r.url)
            ? res.status >= 400 && res.status < 500
            : res.status === 401 && (r.method === 'HEAD' || res.body?.code === 'SECURITY.UNAUTHENTICATED');
          if (!refused) {
            answeredWithout.push(`${r.method} ${r.url} (${who}) → ${res.status} ${res.body?.code ?? res.text.slice(0, 80)}`);
          }
        }
      }
      expect(answeredWithout).toEqual([]);
    });

    it('publicAllowList_namesOnlyRoutesThatExist', () => {
      const registered = new Set(t.routes.map((r) => `${r.method} ${r.url}`));
      // the foundation's own public routes must exist (modules' entries are checked by their own suites)
      const foundation = ['POST /auth/login', 'GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /docs', 'GET /docs/openapi.json'];
      expect(foundation.filter((k) => !registered.has(k))).toEqual([]);
      // the walk sees Swagger's routes too (registered on Fastify directly, outside Nest)
      expect(t.routes.filter((r) => isDocs(r.method, r.url)).length).toBeGreaterThanOrEqual(3);
    });

    it('routeWithoutAccessDeclaration_wouldBeRefused_failClosed', async () => {
      // a valid session on every non-public route gets past 401: so 401 above came from the guard, not the router
      const admin = await t.adminToken();
      const me = await t.get('/auth/me', admin);
      expect(me.status).toBe(200);
    });
  });
});
