import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { signCrlOffThread } from './crl-signer';
import { buildPkcs12, certificateFingerprint, createCaCertificate, crlDerToPem, decryptPrivateKey, encryptPrivateKey, issueClientCertificate, newSerial, signCrl } from './x509-toolkit';

describe('x509 toolkit', () => {
  let ca: Awaited<ReturnType<typeof createCaCertificate>>;
  beforeAll(async () => {
    ca = await createCaCertificate({ commonName: 'Spec CA', validityDays: 10 });
  }, 60_000);

  it('serials_are128BitPositiveHex', () => {
    for (let i = 0; i < 200; i++) expect(newSerial()).toMatch(/^[1-7][0-9a-f]{31}$/);
  });

  it('caKey_roundTripsThroughPassphraseEncryption', () => {
    const enc = encryptPrivateKey(ca.privateKeyPem, 'a-long-ca-passphrase');
    expect(enc).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(decryptPrivateKey(enc, 'a-long-ca-passphrase')).toBe(ca.privateKeyPem);
    expect(() => decryptPrivateKey(enc, 'wrong-passphrase-xx')).toThrow();
  });

  it('clientCertificate_isSignedByCa_withClientAuth_andCarriesBinding', async () => {
    const serial = newSerial();
    const c = await issueClientCertificate({
      ca,
      serial,
      user: { id: 'u1', email: 'clerk@example.com', displayName: 'Clerk' },
      organization: { id: 'o1', name: 'Theater Köln' },
      binding: { kind: 'directory', account: 'jdoe' },
      notBefore: new Date(Date.now() - 1000),
      notAfter: new Date(Date.now() + 86400_000),
      crlUrl: 'https://example/pki/crl',
    });
    const cert = new X509Certificate(c.certificatePem);
    expect(cert.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(cert.serialNumber.toLowerCase()).toBe(serial);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.subject).toContain('O=Theater Köln');
    expect(cert.subjectAltName).toContain('urn:proticket:binding:directory:jdoe');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(c.fingerprintSha256).toBe(certificateFingerprint(c.certificatePem));
    const p12 = buildPkcs12({ privateKeyPem: c.privateKeyPem, certificatePem: c.certificatePem, caCertificatePem: ca.certificatePem, password: 'Passw0rd-long', format: 'legacy-3des', friendlyName: 'x' });
    expect(p12.length).toBeGreaterThan(3000);
  }, 60_000);

  it('crl_isSignedByCa_andListsEntriesWithReasons', async () => {
    const a = newSerial();
    const b = newSerial();
    const der = await signCrl({
      ca,
      number: 42n,
      thisUpdate: new Date(Date.now() - 1000),
      nextUpdate: new Date(Date.now() + 3600_000),
      entries: [
        { serial: a, revokedAt: new Date(), reason: 'keyCompromise' },
        { serial: b, revokedAt: new Date(), reason: 'certificateHold' },
      ],
    });
    const pem = crlDerToPem(der);
    expect(pem.startsWith('-----BEGIN X509 CRL-----\n')).toBe(true);
    const crl = new x509.X509Crl(der);
    expect(await crl.verify({ publicKey: await new x509.X509Certificate(ca.certificatePem).publicKey.export() })).toBe(true);
    expect(crl.entries.map((e) => e.serialNumber.toLowerCase())).toEqual([a, b]);
    expect(crl.entries.map((e) => e.reason)).toEqual([x509.X509CrlReason.keyCompromise, x509.X509CrlReason.certificateHold]);
  }, 30_000);
});

describe('signCrlOffThread', () => {
  it('largeCrl_isSignedInWorkerThread_andVerifies', async () => {
    const ca = await createCaCertificate({ commonName: 'Worker CA', validityDays: 10 });
    const entries = Array.from({ length: 20 }, () => ({ serial: newSerial(), revokedAt: new Date(), reason: 'superseded' as const }));
    const der = await signCrlOffThread({ ca, number: 7n, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 3600_000), entries }, 10, false);
    const crl = new x509.X509Crl(der);
    expect(await crl.verify({ publicKey: await new x509.X509Certificate(ca.certificatePem).publicKey.export() })).toBe(true);
    expect(crl.entries).toHaveLength(20);
  }, 90_000);
});
