import { Client } from 'pg';
import { auditHash } from '../../../src/modules/security/application/audit-log';
import { createIsolatedDatabase, TestApp } from '../../support/app-harness';
import { runTs } from './support/processes';

// Generous for a loaded machine (app boot, migrations, child processes through ts-node); a passing run is far faster.
jest.setTimeout(180_000);

/**
 * The audit log is append-only and hash-chained: `npm run audit:verify` (scripts/audit-verify.ts) and the admin
 * endpoint detect a changed or deleted entry. This suite tampers with rows, so it works on a database of its own.
 */
describe('audit hash chain (own database)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let sql: Client;
  let admin: string;
  let unreachable: ReturnType<typeof runTs>;

  beforeAll(async () => {
    // independent of the chain: runs while the rest is set up
    unreachable = runTs('scripts/audit-verify.ts', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }, [], 170_000);
    db = await createIsolatedDatabase();
    t = await TestApp.start({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}-audit`, WORKERS_IN_PROCESS: 'false' });
    // real audited actions: bootstrap admin (user.created), logins, a failed login, an organization, a user
    admin = await t.adminToken();
    await t.request('POST', '/auth/login', { body: { email: 'nobody@test.proticket.local', password: 'wrong-password' }, headers: { 'x-forwarded-for': '10.9.9.9' } });
    await t.createTenant('organizer', ['organizer-admin']);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await t?.close();
    await db?.drop();
  });

  const verifyCli = () => runTs('scripts/audit-verify.ts', { DATABASE_URL: db.url });
  const verifyApi = async () => (await t.get('/audit/verify', admin)).body;
  /** Bypasses the append-only trigger the way an attacker with database access would. */
  const asAttacker = async (statement: string, params: unknown[] = []) => {
    await sql.query('begin');
    await sql.query('set local session_replication_role = replica');
    await sql.query(statement, params);
    await sql.query('commit');
  };
  const row = async (seq: number) => (await sql.query('select * from security.audit_log where seq = $1', [seq])).rows[0];
  const count = async () => Number((await sql.query('select count(*) from security.audit_log')).rows[0].count);

  it('intactChain_verifies_exit0', async () => {
    const n = await count();
    expect(n).toBeGreaterThanOrEqual(6);
    const actions = (await sql.query('select action from security.audit_log order by seq')).rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['user.created', 'auth.login', 'auth.login-failed', 'organization.registered']));
    const r = await verifyCli();
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`audit log intact: ${n} entries`);
    expect(await verifyApi()).toMatchObject({ ok: true, entries: n });
  });

  it('appendOnly_updateAndDeleteAreRefusedByTheDatabase', async () => {
    await expect(sql.query(`update security.audit_log set action = 'x' where seq = 1`)).rejects.toThrow(/append-only/);
    await expect(sql.query(`delete from security.audit_log where seq = 1`)).rejects.toThrow(/append-only/);
    await expect(sql.query(`truncate security.audit_log`)).rejects.toThrow(/append-only/);
  });

  it('changedEntry_failsVerification_exitNonZero_namingTheEntry', async () => {
    const original = await row(3);
    await asAttacker(`update security.audit_log set data = data || '{"email":"someone-else@example.com"}'::jsonb where seq = 3`);
    try {
      const r = await verifyCli();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/AUDIT LOG BROKEN at entry 3: entry content does not match its hash/);
      expect(await verifyApi()).toMatchObject({ ok: false, brokenAt: { seq: '3' } });
    } finally {
      await asAttacker('update security.audit_log set data = $1 where seq = 3', [original.data]);
    }
    // restored: intact again (so it was exactly that change that was detected)
    expect(await verifyApi()).toMatchObject({ ok: true });
  });

  it('changedEntryWithRecomputedHash_isCaughtByTheNextLink', async () => {
    const original = await row(2);
    const forged = { ...original, action: 'auth.logout' };
    const forgedHash = auditHash(original.prev_hash, forged);
    await asAttacker('update security.audit_log set action = $1, hash = $2 where seq = 2', [forged.action, forgedHash]);
    try {
      // the same verification as the CLI (AuditLog.verify), through the admin endpoint
      expect(await verifyApi()).toMatchObject({ ok: false, brokenAt: { seq: '3', reason: 'previous-hash link does not match' } });
    } finally {
      await asAttacker('update security.audit_log set action = $1, hash = $2 where seq = 2', [original.action, original.hash]);
    }
    expect(await verifyApi()).toMatchObject({ ok: true });
  });

  it('deletedEntry_failsVerification_namingTheMissingEntry', async () => {
    const original = await row(4);
    await asAttacker('delete from security.audit_log where seq = 4');
    try {
      const r = await verifyCli();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/AUDIT LOG BROKEN at entry 4: entry 4 is missing/);
      expect(await verifyApi()).toMatchObject({ ok: false, brokenAt: { seq: '4' } });
    } finally {
      const cols = Object.keys(original);
      await asAttacker(
        `insert into security.audit_log (${cols.join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
        cols.map((c) => original[c]),
      );
    }
    expect(await verifyApi()).toMatchObject({ ok: true });
  });

  it('unreachableDatabase_exit2_notAStackTrace', async () => {
    const r = await unreachable;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/audit verification failed to run/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
