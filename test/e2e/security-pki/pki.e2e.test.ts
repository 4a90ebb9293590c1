import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { Agent, request as undiciRequest } from 'undici';
import { TestApp, uniq } from '../../support/app-harness';
import { createCaCertificate, issueClientCertificate } from '../../../src/modules/security/pki/infrastructure/x509-toolkit';
import { BusinessListener } from '../../../src/modules/security/pki/infrastructure/business-listener.service';
import { JobQueue } from '../../../src/infrastructure/jobs/jobs.module';
import { decryptPrivateKey } from '../../../src/modules/security/pki/infrastructure/x509-toolkit';
import { CrlService } from '../../../src/modules/security/pki/application/crl.service';
import { businessAgent, businessLogin, businessRequest, expectHandshakeRefused, issueCertificate, openssl, RawKeepAliveConnection, strongPassword, waitFor } from './pki-support';

/**
 * Platform PKI over real mutual TLS: the business listener (client certificate required), certificates issued through
 * the API, revocation that bites on already open keep-alive connections, CRLs checked with openssl.
 */
describe('security PKI: client certificates on the business listener', () => {
  let t: TestApp;
  let admin: string;
  let org: Awaited<ReturnType<TestApp['createTenant']>>;
  let userB: Awaited<ReturnType<TestApp['createUser']>>;
  let certA: Awaited<ReturnType<typeof issueCertificate>>;

  beforeAll(async () => {
    t = await TestApp.start({ PKI_GUARD_CACHE_MS: '3000' }, { businessListener: true });
    admin = await t.adminToken();
    org = await t.createTenant('organizer', ['organizer-admin', 'box-office-clerk']);
    userB = await t.createUser(admin, org.organizationId, ['box-office-clerk']);
    certA = await issueCertificate(t, org.token, {
      userId: org.userId,
      binding: { kind: 'machine', machineName: `BOX-${uniq()}` },
      pkcs12Password: strongPassword(),
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('handshake_withoutClientCertificate_isRefused', async () => {
    const agent = businessAgent(t);
    await expectHandshakeRefused(businessRequest(t, agent, 'GET', '/pki/ca.crt'));
    await agent.close();
  });

  it('businessListener_appliesTheBsiTlsPolicy', async () => {
    const connect = (opts: tls.ConnectionOptions) =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: t.businessPort!, servername: 'localhost', ca: t.ca, pfx: certA.pfx, passphrase: certA.passphrase, ...opts }, () => {
          const v = `${s.getProtocol()} ${s.getCipher().name}`;
          s.destroy();
          resolve(v);
        });
        s.once('error', reject);
      });
    expect(await connect({})).toMatch(/^TLSv1\.3 TLS_AES_(256|128)_GCM/);
    expect(await connect({ maxVersion: 'TLSv1.2' })).toMatch(/^TLSv1\.2 ECDHE-RSA-AES(256|128)-GCM/);
    await expect(connect({ maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' })).rejects.toThrow();
    await expect(connect({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384' })).rejects.toThrow(); // CBC
  });

  it('handshake_withCertificateOfForeignCa_isRefused', async () => {
    const foreignCa = await createCaCertificate({ commonName: 'Foreign CA', validityDays: 30 });
    const foreign = await issueClientCertificate({
      ca: foreignCa,
      serial: certA.serial, // even the very serial of a genuine certificate does not help
      user: { id: org.userId, email: org.email, displayName: 'x' },
      organization: { id: org.organizationId, name: 'x' },
      binding: { kind: 'machine', machineName: 'EVIL' },
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86400_000),
      crlUrl: 'https://localhost/pki/crl',
    });
    const agent = businessAgent(t, { cert: foreign.certificatePem, key: foreign.privateKeyPem });
    await expectHandshakeRefused(businessRequest(t, agent, 'GET', '/pki/ca.crt'));
    await agent.close();
  }, 90_000);

  it('validCertificate_withOwnSession_is200_andAuditedWithSerial', async () => {
    const agent = businessAgent(t, certA);
    const login = await businessLogin(t, agent, org.email, org.password);
    expect(login.status).toBe(200);
    const r = await businessRequest(t, agent, 'GET', '/pki/connection', { token: login.body.token });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ listener: 'business', serial: certA.serial, userId: org.userId });
    const audit = await t
      .em()
      .getConnection()
      .execute(`select action, data from security.audit_log where target_id = ? and action = 'pki.certificate-used'`, [certA.serial]);
    expect(audit).toHaveLength(1);
    expect(audit[0].data.serial).toBe(certA.serial);
    const loginAudit = await t.em().getConnection().execute(`select data from security.audit_log where action = 'auth.login' and data->>'serial' = ?`, [certA.serial]);
    expect(loginAudit.length).toBeGreaterThanOrEqual(1);
    await agent.close();
  });

  it('machineBoundCertificateOfUserA_withSessionOfUserB_is403', async () => {
    const agent = businessAgent(t, certA);
    // B's session obtained elsewhere (public listener) and replayed with A's certificate
    const r = await businessRequest(t, agent, 'GET', '/pki/connection', { token: userB.token });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('PKI.CERT_MACHINE_BOUND_TO_OTHER_USER');
    // and B cannot log in with A's certificate either
    const login = await businessLogin(t, agent, userB.email, userB.password);
    expect(login.status).toBe(403);
    expect(login.body.code).toBe('PKI.CERT_MACHINE_BOUND_TO_OTHER_USER');
    const refused = await t.em().getConnection().execute(`select 1 from security.audit_log where action = 'pki.certificate-refused' and target_id = ?`, [certA.serial]);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    await agent.close();
  });

  it('publicRoutes_keepWorkingWithoutCertificate_onPublicListener', async () => {
    const r = await t.get('/pki/ca.crt');
    expect(r.status).toBe(200);
    expect(r.text).toContain('BEGIN CERTIFICATE');
    const health = await t.get('/auth/me', org.token);
    expect(health.status).toBe(200); // policy off: the public listener serves this organization's users
  });

  it('pkcs12_opensWithOpenssl_holds4096BitKeyAndChain_andVerifies', async () => {
    const info = openssl(['pkcs12', '-in', 'c.p12', '-passin', `pass:${certA.passphrase}`, '-nodes'], { 'c.p12': certA.pfx });
    expect(info).toContain('BEGIN PRIVATE KEY');
    expect((info.match(/BEGIN CERTIFICATE/g) ?? []).length).toBe(2); // certificate + CA chain
    // the legacy (Windows-importable) form opens with -legacy as well
    expect(openssl(['pkcs12', '-legacy', '-in', 'c.p12', '-passin', `pass:${certA.passphrase}`, '-nokeys'], { 'c.p12': certA.pfx })).toContain('BEGIN CERTIFICATE');
    expect(() => openssl(['pkcs12', '-in', 'c.p12', '-passin', 'pass:wrong-password-1', '-nodes'], { 'c.p12': certA.pfx })).toThrow();
    const keyBits = openssl(['pkey', '-in', 'k.pem', '-noout', '-text'], { 'k.pem': info.slice(info.indexOf('-----BEGIN PRIVATE KEY')) });
    expect(keyBits).toMatch(/4096 bit/);
    const verify = openssl(['verify', '-CAfile', 'ca.pem', 'c.pem'], { 'ca.pem': certA.body.caCertificatePem, 'c.pem': certA.body.certificatePem });
    expect(verify).toContain('c.pem: OK');
    const cert = new X509Certificate(certA.body.certificatePem);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
    expect(cert.subjectAltName).toContain(`urn:proticket:user:${org.userId}`);
    expect(cert.subjectAltName).toContain(`urn:proticket:organization:${org.organizationId}`);
    expect(cert.serialNumber.toLowerCase()).toBe(certA.serial);
    const text = openssl(['x509', '-in', 'c.pem', '-noout', '-text'], { 'c.pem': certA.body.certificatePem });
    expect(text).toContain('Authority Key Identifier');
    expect(text).toContain('Subject Key Identifier');
    expect(text).toContain('/pki/crl');
  });

  it('pkcs12_aes256Format_opensWithoutLegacyProvider', async () => {
    const c = await issueCertificate(t, org.token, {
      userId: userB.userId,
      binding: { kind: 'machine', machineName: `AES-${uniq()}` },
      pkcs12Password: strongPassword(),
      pkcs12Format: 'aes256',
    });
    const info = openssl(['pkcs12', '-in', 'c.p12', '-passin', `pass:${c.passphrase}`, '-info', '-nodes'], { 'c.p12': c.pfx });
    expect(info).toMatch(/AES-256-CBC/);
    // the PEM private key is encrypted with the same password
    expect(c.body.encryptedPrivateKeyPem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(openssl(['pkey', '-in', 'k.pem', '-passin', `pass:${c.passphrase}`, '-noout'], { 'k.pem': c.body.encryptedPrivateKeyPem })).toBe('');
    expect(() => openssl(['pkey', '-in', 'k.pem', '-passin', 'pass:wrong-password-1', '-noout'], { 'k.pem': c.body.encryptedPrivateKeyPem })).toThrow();
  }, 90_000);

  it('badInput_isClear4xx', async () => {
    const other = await t.createTenant('organizer', ['organizer-admin']);
    const base = { binding: { kind: 'machine', machineName: `PC-${uniq()}` }, pkcs12Password: strongPassword() };
    // user of another organization → 404 (tenants never see each other)
    let r = await t.post('/pki/certificates', { ...base, userId: other.userId }, org.token);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('PKI.USER_NOT_FOUND');
    // unknown user
    r = await t.post('/pki/certificates', { ...base, userId: '6b0e4c8e-3c1f-4d2a-9a55-0a3b1c2d3e4f' }, org.token);
    expect(r.status).toBe(404);
    // duplicate machine binding
    r = await t.post('/pki/certificates', { ...base, userId: userB.userId, binding: { kind: 'machine', machineName: certA.body.binding.machineName.toLowerCase() } }, org.token);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('PKI.MACHINE_ALREADY_BOUND');
    // PKCS#12 password policy
    r = await t.post('/pki/certificates', { ...base, userId: userB.userId, pkcs12Password: 'short1' }, org.token);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('PKI.PKCS12_PASSWORD_POLICY');
    r = await t.post('/pki/certificates', { ...base, userId: userB.userId, pkcs12Password: 'onlyletterslongenough' }, org.token);
    expect(r.status).toBe(400);
    // malformed bindings / fields
    r = await t.post('/pki/certificates', { ...base, userId: userB.userId, binding: { kind: 'machine', machineName: 'x', account: 'y' } }, org.token);
    expect(r.status).toBe(400);
    r = await t.post('/pki/certificates', { ...base, userId: userB.userId, binding: { kind: 'usb-stick' } }, org.token);
    expect(r.status).toBe(400);
    r = await t.post('/pki/certificates', { ...base, userId: userB.userId, binding: { kind: 'machine', machineName: 'bad name (x)' } }, org.token);
    expect(r.status).toBe(400);
    // directory binding without a configured directory
    r = await t.post('/pki/certificates', { ...base, userId: userB.userId, binding: { kind: 'directory', account: 'jdoe' } }, org.token);
    expect(r.status).toBe(422);
    // a clerk cannot issue; another tenant cannot revoke
    r = await t.post('/pki/certificates', { ...base, userId: userB.userId }, userB.token);
    expect(r.status).toBe(403);
    r = await t.post(`/pki/certificates/${certA.serial}/revoke`, { reason: 'keyCompromise' }, other.token);
    expect(r.status).toBe(404);
    r = await t.post(`/pki/certificates/${certA.serial}/revoke`, { reason: 'certificateHold' }, org.token);
    expect(r.status).toBe(400);
  });

  it('revocation_refusesNextRequestOnOpenKeepAliveConnection_thenNewHandshakesFailAfterCrlJob', async () => {
    const pid = process.pid;
    const cert = await issueCertificate(t, org.token, {
      userId: org.userId,
      binding: { kind: 'machine', machineName: `REV-${uniq()}` },
      pkcs12Password: strongPassword(),
    });
    const agent = businessAgent(t, cert);
    const login = await businessLogin(t, agent, org.email, org.password);
    expect(login.status).toBe(200);
    const token = login.body.token;
    await agent.close();

    const conn = await RawKeepAliveConnection.open(t.businessPort!, t.ca, cert);
    // a second connection, for a public route served on the fast lane (the online scan): the same certificate checks
    const laneConn = await RawKeepAliveConnection.open(t.businessPort!, t.ca, cert);
    const first = await conn.request('GET', '/pki/connection', token);
    expect(first).not.toBe('closed');
    expect((first as { status: number }).status).toBe(200);
    expect(conn.isClosed).toBe(false);

    const crlBefore = t.app.get(BusinessListener).currentCrlNumber;
    const revoked = await t.post(`/pki/certificates/${cert.serial}/revoke`, { reason: 'keyCompromise' }, org.token);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');

    // the very next request on the connection opened before the revocation: refused, and the connection is closed
    const second = await conn.request('GET', '/pki/connection', token);
    expect(second).not.toBe('closed');
    expect((second as { status: number }).status).toBe(403);
    expect((second as { body: { code: string } }).body.code).toBe('PKI.CERT_REVOKED');
    expect((second as { headers: Record<string, string> }).headers.connection).toBe('close');
    await waitFor('server to close the connection', async () => conn.isClosed, 5000);
    conn.close();
    const lane = await laneConn.request('POST', '/access-control/scanner/scans', 'acd_not-a-device');
    expect(lane).not.toBe('closed');
    expect([(lane as { status: number }).status, (lane as { body: { code: string } }).body.code]).toEqual([403, 'PKI.CERT_REVOKED']);
    await waitFor('server to close the lane connection', async () => laneConn.isClosed, 5000);
    laneConn.close();

    // the CRL job runs, the CRL lists the serial (openssl parses it), the listener hot-reloads it without a restart
    const crlPem = await waitFor('CRL listing the serial', async () => {
      const r = await t.get('/pki/crl.pem');
      if (r.status !== 200) return null;
      const text = openssl(['crl', '-in', 'crl.pem', '-noout', '-text'], { 'crl.pem': r.text });
      return text.includes(cert.serial.toUpperCase()) ? r.text : null;
    });
    const plain = new Agent({ connect: { ca: t.ca, servername: 'localhost' } });
    const der = await undiciRequest(`https://127.0.0.1:${t.port}/pki/crl`, { dispatcher: plain });
    expect(der.headers['content-type']).toContain('application/pkix-crl');
    const derBytes = Buffer.from(await der.body.arrayBuffer());
    await plain.close();
    expect(openssl(['crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-text'], { 'crl.der': derBytes })).toContain(cert.serial.toUpperCase());
    expect(openssl(['crl', '-in', 'crl.pem', '-CAfile', 'ca.pem', '-noout'], { 'crl.pem': crlPem, 'ca.pem': cert.body.caCertificatePem })).toContain('verify OK');
    await waitFor('business listener to load the new CRL', async () => t.app.get(BusinessListener).currentCrlNumber !== crlBefore, 20_000);

    const fresh = businessAgent(t, cert);
    await expectHandshakeRefused(businessRequest(t, fresh, 'GET', '/pki/ca.crt'));
    await fresh.close();
    expect(process.pid).toBe(pid); // same process, no restart: the CRL was hot-reloaded

    // other certificates keep working on new handshakes
    const still = businessAgent(t, certA);
    expect((await businessRequest(t, still, 'GET', '/pki/ca.crt')).status).toBe(200);
    await still.close();

    const again = await t.post(`/pki/certificates/${cert.serial}/revoke`, { reason: 'keyCompromise' }, org.token);
    expect(again.status).toBe(409);
  }, 120_000);

  it('policyCertificateRequired_refusesPublicListener_butPublicAndApiKeyRoutesStillWork', async () => {
    const tenant = await t.createTenant('organizer', ['organizer-admin', 'box-office-clerk']);
    const clerk = await t.createUser(admin, tenant.organizationId, ['box-office-clerk']);
    const cert = await issueCertificate(t, tenant.token, {
      userId: clerk.userId,
      binding: { kind: 'machine', machineName: `POL-${uniq()}` },
      pkcs12Password: strongPassword(),
    });
    const key = await t.post('/api-keys', { name: 'gate scanner', roles: ['scanner'] }, tenant.token);
    expect(key.status).toBe(201);

    // the organization's admin on the public endpoint would lock itself out: refused
    const self = await t.request('PUT', '/pki/policy', { body: { clientCertificateRequired: true, allowedBindings: ['machine'] }, token: tenant.token });
    expect(self.status).toBe(422);
    expect(self.body.code).toBe('PKI.SELF_LOCKOUT');
    // another organization's admin cannot touch it at all
    expect((await t.request('PUT', '/pki/policy', { body: { organizationId: tenant.organizationId, clientCertificateRequired: false, allowedBindings: ['machine'] }, token: org.token })).status).toBe(404);
    const set = await t.request('PUT', '/pki/policy', {
      body: { organizationId: tenant.organizationId, clientCertificateRequired: true, allowedBindings: ['machine'] },
      token: admin,
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ organizationId: tenant.organizationId, clientCertificateRequired: true, allowedBindings: ['machine'] });

    // existing session on the public listener: refused on its next request
    const me = await t.get('/auth/me', clerk.token);
    expect(me.status).toBe(403);
    expect(me.body.code).toBe('PKI.CLIENT_CERT_REQUIRED');
    // login on the public listener: refused
    const publicLogin = await t.post('/auth/login', { email: clerk.email, password: clerk.password });
    expect(publicLogin.status).toBe(403);
    expect(publicLogin.body.code).toBe('PKI.CLIENT_CERT_REQUIRED');
    // public routes and the organization's scanner API key still work without certificates
    expect((await t.get('/pki/ca.crt')).status).toBe(200);
    expect((await t.get('/auth/me', key.body.key)).status).toBe(200);
    // through the business listener with the clerk's certificate: works
    const agent = businessAgent(t, cert);
    const login = await businessLogin(t, agent, clerk.email, clerk.password);
    expect(login.status).toBe(200);
    expect((await businessRequest(t, agent, 'GET', '/auth/me', { token: login.body.token })).status).toBe(200);
    // API keys are not let in on the business listener
    expect((await businessRequest(t, agent, 'GET', '/auth/me', { token: key.body.key })).status).toBe(403);
    await agent.close();
    // the organization's own admin is now refused on the public listener too
    expect((await t.get('/pki/policy', tenant.token)).status).toBe(403);
    // a binding kind the policy excludes can no longer be issued (platform admin issuing)
    const dir = await t.post('/pki/certificates', { userId: clerk.userId, binding: { kind: 'directory', account: 'x' }, pkcs12Password: strongPassword() }, admin);
    expect(dir.status).toBe(422);
    expect(dir.body.code).toBe('PKI.BINDING_NOT_ALLOWED');
  }, 120_000);

  it('deactivatedUser_refusedAtOnce_andCertificatesRevokedByEventHandler', async () => {
    const clerk = await t.createUser(admin, org.organizationId, ['box-office-clerk']);
    const cert = await issueCertificate(t, org.token, { userId: clerk.userId, binding: { kind: 'machine', machineName: `DEACT-${uniq()}` }, pkcs12Password: strongPassword() });
    const agent = businessAgent(t, cert);
    const login = await businessLogin(t, agent, clerk.email, clerk.password);
    expect(login.status).toBe(200);
    expect((await businessRequest(t, agent, 'GET', '/auth/me', { token: login.body.token })).status).toBe(200);
    expect((await t.request('PATCH', `/users/${clerk.userId}`, { body: { active: false }, token: org.token })).status).toBe(200);
    expect((await businessRequest(t, agent, 'GET', '/auth/me', { token: login.body.token })).status).toBe(401); // session gone
    const relogin = await businessLogin(t, agent, clerk.email, clerk.password);
    expect(relogin.status).toBe(401);
    await agent.close();
    const revoked = await waitFor('certificate revoked by the UserDeactivated consumer', async () => {
      const r = await t.get(`/pki/certificates/${cert.serial}`, org.token);
      return r.body.status === 'revoked' ? r.body : null;
    });
    expect(revoked.revocationReason).toBe('affiliationChanged');
  }, 120_000);

  it('crl_isPublishedAtPublicUrl_andAlertMetricIsExported', async () => {
    const r = await t.get('/pki/crl.pem');
    expect(r.status).toBe(200);
    expect(r.text).toContain('BEGIN X509 CRL');
    let metrics = await t.get('/metrics');
    expect(metrics.text).toMatch(/pki_crl_seconds_until_next_update \d+/);
    expect(metrics.text).toMatch(/pki_crl_expiry_alerts_total 0/);
    expect(metrics.text).toMatch(/pki_business_handshakes_refused_total\{code="[A-Z0-9_]+"\} [1-9]/); // the refusals above
    // a CRL close to its nextUpdate raises the alert (error log + counter)
    const crl = t.app.get(CrlService);
    const current = (await crl.latest())!;
    expect(crl.checkExpiry(current)).toBe(false);
    expect(crl.checkExpiry({ ...current, nextUpdate: new Date(Date.now() + 120_000) })).toBe(true);
    metrics = await t.get('/metrics');
    expect(metrics.text).toMatch(/pki_crl_expiry_alerts_total 1/);
    // nothing changed since the last CRL: a second job signs nothing new
    const a = await crl.publish('test');
    const b = await crl.publish('test');
    expect(b!.number).toBe(a!.number);
  });

  it('caKey_restsEncryptedWithConfiguredPassphrase_andCrlIsScheduledWellBeforeNextUpdate', async () => {
    const [row] = await t.em().getConnection().execute(`select key_pem_encrypted, certificate_pem from security.pki_ca where active`);
    expect(row.key_pem_encrypted).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(row.key_pem_encrypted).not.toContain('BEGIN PRIVATE KEY');
    expect(decryptPrivateKey(row.key_pem_encrypted, t.config.PKI_CA_PASSPHRASE)).toContain('BEGIN PRIVATE KEY');
    expect(() => decryptPrivateKey(row.key_pem_encrypted, 'not-the-passphrase-123')).toThrow();
    const caText = openssl(['x509', '-in', 'ca.pem', '-noout', '-text'], { 'ca.pem': row.certificate_pem });
    expect(caText).toMatch(/Public-Key: \(4096 bit\)/);
    expect(caText).toMatch(/CA:TRUE/);

    const scheduler = await t.app.get(JobQueue).queue('pki').getJobScheduler('schedule:security.pki.publish-crl');
    expect(scheduler).toBeDefined();
    expect(Number(scheduler!.every)).toBeLessThan(t.config.PKI_CRL_VALIDITY_S * 1000 / 2);
  });

  it('revocationOnOneInstance_isEnforcedAtOnceByAnother_viaRedisPubSub', async () => {
    // a second instance with a long cache: only the pub/sub invalidation can make it refuse at once
    const other = await TestApp.start({ PKI_GUARD_CACHE_MS: '5000' }, { businessListener: true });
    try {
      const cert = await issueCertificate(t, org.token, { userId: org.userId, binding: { kind: 'machine', machineName: `MULTI-${uniq()}` }, pkcs12Password: strongPassword() });
      const agent = businessAgent(other, cert);
      const login = await businessLogin(other, agent, org.email, org.password);
      expect(login.status).toBe(200);
      await agent.close();
      const conn = await RawKeepAliveConnection.open(other.businessPort!, other.ca, cert);
      const ok = await conn.request('GET', '/pki/connection', login.body.token);
      expect(ok !== 'closed' && ok.status).toBe(200); // cached as valid on the other instance now
      expect((await t.post(`/pki/certificates/${cert.serial}/revoke`, { reason: 'affiliationChanged' }, org.token)).status).toBe(200);
      const refused = await waitFor(
        'refusal on the other instance',
        async () => {
          const r = await conn.request('GET', '/pki/connection', login.body.token);
          return r === 'closed' || r.status !== 200 ? r : null;
        },
        1500,
        50,
      );
      expect(refused !== 'closed' && refused.status).toBe(403);
      conn.close();
    } finally {
      await other.close();
    }
  }, 120_000);
});

