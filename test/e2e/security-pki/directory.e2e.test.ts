import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { TestApp, uniq } from '../../support/app-harness';
import { DirectoryUnavailableError } from '../../../src/modules/security/pki/application/directory.port';
import { LdapDirectory } from '../../../src/modules/security/pki/infrastructure/ldap-directory';
import { businessAgent, businessLogin, businessRequest, issueCertificate, strongPassword, waitFor } from './pki-support';

interface Slapd {
  url: string;
  baseDn: string;
  usersDn: string;
  bindDn: string;
  bindPassword: string;
}

/**
 * Directory-bound certificates against a real OpenLDAP (Debian slapd started by scripts/services/ldap-test.sh on a
 * private port, with AD's userAccountControl/sAMAccountName): deactivation in the directory cuts access within
 * 5 seconds, revokes sessions, holds the certificate and is audited; re-activation lets the user in after a new login.
 */
describe('security PKI: directory-bound certificates (real slapd)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pt-slapd-'));
  let ldap: Slapd;
  let t: TestApp;
  let admin: string;

  const script = path.resolve('scripts/services/ldap-test.sh');
  const directory = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ url: ldap.url });
    await c.bind(ldap.bindDn, ldap.bindPassword);
    try {
      return await fn(c);
    } finally {
      await c.unbind();
    }
  };
  const addAccount = (account: string, uac: number) =>
    directory((c) =>
      c.add(`uid=${account},${ldap.usersDn}`, {
        objectClass: ['inetOrgPerson', 'proticketAdAccount'],
        uid: account,
        cn: account,
        sn: account,
        sAMAccountName: account,
        userAccountControl: String(uac),
      }),
    );
  const setUac = (account: string, uac: number) =>
    directory((c) =>
      c.modify(`uid=${account},${ldap.usersDn}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: [String(uac)] }) })),
    );

  beforeAll(async () => {
    ldap = JSON.parse(execFileSync('bash', [script, 'start', dir], { encoding: 'utf8' }).trim().split('\n').pop()!) as Slapd;
    t = await TestApp.start(
      {
        DIRECTORY_LDAP_URL: ldap.url,
        DIRECTORY_BIND_DN: ldap.bindDn,
        DIRECTORY_BIND_PASSWORD: ldap.bindPassword,
        DIRECTORY_BASE_DN: ldap.baseDn,
        DIRECTORY_SYNC_INTERVAL_S: '2',
        PKI_GUARD_CACHE_MS: '2000',
      },
      { businessListener: true },
    );
    admin = await t.adminToken();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    execFileSync('bash', [script, 'stop', dir]);
  });

  it('directoryAccountDisabled_refusedWithin5s_sessionsRevoked_certificateHeld_audited_thenReEnabled_accessAfterNewLogin', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const clerk = await t.createUser(admin, org.organizationId, ['box-office-clerk']);
    const account = `clerk-${uniq()}`;
    await addAccount(account, 512);
    const cert = await issueCertificate(t, org.token, { userId: clerk.userId, binding: { kind: 'directory', account }, pkcs12Password: strongPassword() });
    expect(cert.body.binding).toEqual({ kind: 'directory', account });
    expect(cert.body.subject).toContain(`directory:${account}`);

    let agent = businessAgent(t, cert);
    const login = await businessLogin(t, agent, clerk.email, clerk.password);
    expect(login.status).toBe(200);
    const token = login.body.token;
    expect((await businessRequest(t, agent, 'GET', '/auth/me', { token })).status).toBe(200);

    // the directory administrator disables the account (AD: userAccountControl 512 → 514)
    await setUac(account, 514);
    const disabledAt = Date.now();
    const refusal = await waitFor(
      'refusal after the directory deactivation',
      async () => {
        try {
          const r = await businessRequest(t, agent, 'GET', '/auth/me', { token });
          return r.status === 200 ? null : `${r.status} ${r.body.code}`;
        } catch (e) {
          await agent.close().catch(() => undefined);
          agent = businessAgent(t, cert);
          return `handshake refused (${(e as Error).message})`; // once the CRL with the hold is loaded
        }
      },
      10_000,
      100,
    );
    const elapsed = Date.now() - disabledAt;
    expect(elapsed).toBeLessThan(5000);
    expect(refusal).toMatch(/^(401|403)|handshake refused/);
    await agent.close();

    // sessions gone, certificate on hold, audit written
    const sessions = await t.em().getConnection().execute(`select revoked_at, revoked_reason from security.session where user_id = ?`, [clerk.userId]);
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) expect(s.revoked_at).not.toBeNull();
    const held = await t.get(`/pki/certificates/${cert.serial}`, org.token);
    expect(held.body.status).toBe('on-hold');
    expect(held.body.revocationReason).toBe('certificateHold');
    const audit = await t.em().getConnection().execute(`select data from security.audit_log where action = 'directory.account-disabled' and target_id = ?`, [clerk.userId]);
    expect(audit).toHaveLength(1);
    expect(audit[0].data.certificatesHeld).toEqual([cert.serial]);
    // the CRL lists the held certificate
    await waitFor('CRL with the hold', async () => {
      const crl = await t.get('/pki/crl.pem');
      return crl.status === 200 && (await crlSerials(crl.text)).includes(cert.serial);
    });

    // no way around it through the public endpoint either: the login checks the directory
    const publicLogin = await t.post('/auth/login', { email: clerk.email, password: clerk.password });
    expect(publicLogin.status).toBe(403);
    expect(publicLogin.body.code).toBe('PKI.DIRECTORY_ACCOUNT_DISABLED');

    // re-enabled in the directory: the sync job lifts the hold, the next CRL drops it; access after a NEW login
    await setUac(account, 512);
    await waitFor('hold lifted by the directory sync', async () => (await t.get(`/pki/certificates/${cert.serial}`, org.token)).body.status === 'active', 20_000);
    const again = await waitFor(
      'login through the business listener',
      async () => {
        const a = businessAgent(t, cert);
        try {
          const r = await businessLogin(t, a, clerk.email, clerk.password);
          return r.status === 200 ? { agent: a, token: r.body.token as string } : (await a.close(), null);
        } catch {
          await a.close().catch(() => undefined);
          return null;
        }
      },
      30_000,
      300,
    );
    expect((await businessRequest(t, again.agent, 'GET', '/auth/me', { token: again.token })).status).toBe(200);
    expect((await businessRequest(t, again.agent, 'GET', '/auth/me', { token })).status).toBe(401); // the old session stays revoked
    await again.agent.close();
    const enabled = await t.em().getConnection().execute(`select 1 from security.audit_log where action = 'directory.account-enabled' and target_id = ?`, [clerk.userId]);
    expect(enabled).toHaveLength(1);
  }, 90_000);

  it('deletedDirectoryAccount_isTreatedAsDisabled', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const clerk = await t.createUser(admin, org.organizationId, ['box-office-clerk']);
    const account = `gone-${uniq()}`;
    await addAccount(account, 512);
    const cert = await issueCertificate(t, org.token, { userId: clerk.userId, binding: { kind: 'directory', account }, pkcs12Password: strongPassword() });
    await directory((c) => c.del(`uid=${account},${ldap.usersDn}`));
    await waitFor('hold after deletion', async () => (await t.get(`/pki/certificates/${cert.serial}`, org.token)).body.status === 'on-hold', 15_000);
    const link = await t.em().getConnection().execute(`select state from security.directory_link where user_id = ?`, [clerk.userId]);
    expect(link[0].state).toBe('missing');
  }, 120_000);

  it('ldapAdapter_attributeMapping_worksForOpenLdapStyleDisabledFlag_andUnreachableDirectoryIsReported', async () => {
    const account = `ol-${uniq()}`;
    await directory((c) =>
      c.add(`uid=${account},${ldap.usersDn}`, { objectClass: ['inetOrgPerson'], uid: account, cn: account, sn: account, employeeType: 'disabled' }),
    );
    const enabledOne = `ol-${uniq()}`;
    await directory((c) => c.add(`uid=${enabledOne},${ldap.usersDn}`, { objectClass: ['inetOrgPerson'], uid: enabledOne, cn: enabledOne, sn: enabledOne }));
    const openLdap = new LdapDirectory({
      ...t.config,
      DIRECTORY_ACCOUNT_ATTRIBUTE: 'uid',
      DIRECTORY_DISABLED_ATTRIBUTE: 'employeeType',
      DIRECTORY_DISABLED_RULE: 'equals',
      DIRECTORY_DISABLED_VALUE: 'DISABLED',
    });
    const states = await openLdap.lookup([account, enabledOne, 'nobody-here']);
    expect(states.get(account)).toEqual({ exists: true, disabled: true });
    expect(states.get(enabledOne)).toEqual({ exists: true, disabled: false });
    expect(states.get('nobody-here')).toEqual({ exists: false, disabled: true });

    const wrongPassword = new LdapDirectory({ ...t.config, DIRECTORY_BIND_PASSWORD: 'wrong' });
    await expect(wrongPassword.lookup([account])).rejects.toBeInstanceOf(DirectoryUnavailableError);
    const down = new LdapDirectory({ ...t.config, DIRECTORY_LDAP_URL: 'ldap://127.0.0.1:1', DIRECTORY_TIMEOUT_MS: 500 });
    await expect(down.lookup([account])).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  it('directoryIssuing_badInput_isClear4xx', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const a = await t.createUser(admin, org.organizationId, ['box-office-clerk']);
    const b = await t.createUser(admin, org.organizationId, ['box-office-clerk']);
    const req = (userId: string, account: string) => t.post('/pki/certificates', { userId, binding: { kind: 'directory', account }, pkcs12Password: strongPassword() }, org.token);

    let r = await req(a.userId, `nobody-${uniq()}`);
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('PKI.DIRECTORY_ACCOUNT_NOT_FOUND');

    const disabled = `off-${uniq()}`;
    await addAccount(disabled, 514);
    r = await req(a.userId, disabled);
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('PKI.DIRECTORY_ACCOUNT_DISABLED');

    const shared = `acct-${uniq()}`;
    await addAccount(shared, 66048); // 0x10200: normal account, password never expires — enabled
    expect((await req(a.userId, shared)).status).toBe(201);
    r = await req(b.userId, shared);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('PKI.DIRECTORY_ACCOUNT_TAKEN');

    r = await req(a.userId, 'bad)(filter*');
    expect(r.status).toBe(400);
  }, 120_000);
});

async function crlSerials(pem: string): Promise<string[]> {
  const { X509Crl } = await import('@peculiar/x509');
  return new X509Crl(pem.replace(/X509 CRL/g, 'CRL')).entries.map((e) => e.serialNumber.toLowerCase());
}
