import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, generateKeyPair, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { CertificateBinding, Pkcs12Format } from '../domain/certificate-binding';

/**
 * The X.509 toolbox of the platform CA. Division of labour (see PITFALLS.md):
 * - RSA-4096 keys: Node's crypto, asynchronously (≈1–3 s off the event loop; node-forge's pure-JS generator takes 13–90 s).
 * - Certificates and PKCS#12: node-forge (SHA-256, PKCS#1 v1.5 signatures).
 * - CRLs: @peculiar/x509 over WebCrypto (node-forge cannot sign CRLs).
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CrlParams = Parameters<typeof x509.X509CrlGenerator.create>[0];

const genKeyPair = promisify(generateKeyPair);

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export async function generateRsa4096(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await genKeyPair('rsa', {
    modulusLength: 4096,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey as unknown as string, publicKeyPem: publicKey as unknown as string };
}

/** 128-bit random serial, positive (top bit clear), never starting with a zero byte (so DER keeps all 16 bytes). */
export function newSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x10;
  return b.toString('hex');
}

/** Encrypts a PKCS#8 private key with a passphrase (PBES2, AES-256-CBC) — how the CA key rests in the database. */
export function encryptPrivateKey(privateKeyPem: string, passphrase: string): string {
  return createPrivateKey(privateKeyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

export function decryptPrivateKey(encryptedPem: string, passphrase: string): string {
  return createPrivateKey({ key: encryptedPem, format: 'pem', passphrase }).export({ type: 'pkcs8', format: 'pem' }) as string;
}

export interface CaMaterial {
  certificatePem: string;
  /** Unencrypted PKCS#8 (memory only). */
  privateKeyPem: string;
  /** Subject key identifier, hex. */
  keyId: string;
}

export async function createCaCertificate(input: { commonName: string; validityDays: number; now?: Date }): Promise<CaMaterial & { subject: string; notAfter: Date }> {
  const keys = await generateRsa4096();
  const key = forge.pki.privateKeyFromPem(keys.privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = newSerial();
  const now = input.now ?? new Date();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + input.validityDays * 86400_000);
  const subject = [
    { name: 'commonName', value: input.commonName },
    { name: 'organizationName', value: 'ProTicket' },
    { name: 'countryName', value: 'DE' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const keyId = cert.generateSubjectKeyIdentifier().getBytes();
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: keyId },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return {
    certificatePem: forge.pki.certificateToPem(cert),
    privateKeyPem: keys.privateKeyPem,
    keyId: forge.util.bytesToHex(keyId),
    subject: `CN=${input.commonName}, O=ProTicket, C=DE`,
    notAfter: cert.validity.notAfter,
  };
}

export interface IssueClientCertificateInput {
  ca: CaMaterial;
  serial: string;
  user: { id: string; email: string; displayName: string };
  organization: { id: string; name: string };
  binding: CertificateBinding;
  notBefore: Date;
  notAfter: Date;
  crlUrl: string;
}

export interface IssuedClientCertificate {
  certificatePem: string;
  /** Unencrypted PKCS#8 of the subject: lives only until it is packaged for delivery. */
  privateKeyPem: string;
  subject: string;
  fingerprintSha256: string;
}

/** URIs in the subjectAltName that carry who and what the certificate is bound to. */
export function bindingUris(user: { id: string }, organization: { id: string }, binding: CertificateBinding): string[] {
  const b =
    binding.kind === 'machine'
      ? `urn:proticket:binding:machine:${encodeURIComponent(binding.machineName)}`
      : `urn:proticket:binding:directory:${encodeURIComponent(binding.account)}`;
  return [`urn:proticket:user:${user.id}`, `urn:proticket:organization:${organization.id}`, b];
}

/** A TLS client certificate (clientAuth) for a user, bound to a machine or a directory account, signed by the CA. */
export async function issueClientCertificate(input: IssueClientCertificateInput): Promise<IssuedClientCertificate> {
  const keys = await generateRsa4096();
  const caCert = forge.pki.certificateFromPem(input.ca.certificatePem);
  const caKey = forge.pki.privateKeyFromPem(input.ca.privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = input.serial;
  cert.validity.notBefore = input.notBefore;
  cert.validity.notAfter = input.notAfter;
  const bindingText = input.binding.kind === 'machine' ? `machine:${input.binding.machineName}` : `directory:${input.binding.account}`;
  // UTF8String values (organization names carry umlauts); forge UTF-8-encodes values of this tag itself.
  const utf8 = (value: string) => ({ value: value.slice(0, 64), valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class });
  const attrs = [
    { name: 'commonName', ...utf8(input.user.email) },
    { name: 'organizationName', ...utf8(input.organization.name) },
    { name: 'organizationalUnitName', ...utf8(bindingText) },
    // userId (RFC 4519 uid)
    { type: '0.9.2342.19200300.100.1.1', value: input.user.id },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectAltName', altNames: bindingUris(input.user, input.organization, input.binding).map((value) => ({ type: 6, value })) },
    { name: 'subjectKeyIdentifier' },
    // node-forge's `keyIdentifier: true` would write the subject's own key id: pass the CA's explicitly.
    { name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(input.ca.keyId) },
    { name: 'cRLDistributionPoints', altNames: [{ type: 6, value: input.crlUrl }] },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert);
  return {
    certificatePem,
    privateKeyPem: keys.privateKeyPem,
    subject: new X509Certificate(certificatePem).subject.replace(/\n/g, ', '),
    fingerprintSha256: certificateFingerprint(certificatePem),
  };
}

/** SHA-256 over the DER, lower-case hex without colons. */
export function certificateFingerprint(certificatePem: string): string {
  return createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('hex');
}

/**
 * Password-protected PKCS#12 with the key, the certificate and the CA chain.
 * - legacy-3des: pbeWithSHAAnd3-KeyTripleDES-CBC + SHA-1 MAC — imports on every Windows version.
 * - aes256: PBES2/PBKDF2/AES-256-CBC — Windows 10 1709+/Server 2019+, OpenSSL 3 default.
 */
export function buildPkcs12(input: { privateKeyPem: string; certificatePem: string; caCertificatePem: string; password: string; format: Pkcs12Format; friendlyName: string }): Buffer {
  const key = forge.pki.privateKeyFromPem(input.privateKeyPem);
  const chain = [forge.pki.certificateFromPem(input.certificatePem), forge.pki.certificateFromPem(input.caCertificatePem)];
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, chain, input.password, {
    algorithm: input.format === 'aes256' ? 'aes256' : '3des',
    count: input.format === 'aes256' ? 10_000 : 2048,
    friendlyName: input.friendlyName,
    generateLocalKeyId: true,
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

export interface CrlEntryInput {
  serial: string;
  revokedAt: Date;
  reason: CrlReasonName;
}

export type CrlReasonName = 'unspecified' | 'keyCompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation' | 'certificateHold';

const REASONS: Record<CrlReasonName, x509.X509CrlReason> = {
  unspecified: x509.X509CrlReason.unspecified,
  keyCompromise: x509.X509CrlReason.keyCompromise,
  affiliationChanged: x509.X509CrlReason.affiliationChanged,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
  certificateHold: x509.X509CrlReason.certificateHold,
};

/** DER of a non-negative INTEGER (for the CRL number extension). */
function derInteger(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Uint8Array.from(Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]));
}

/** A v2 CRL signed by the CA (SHA-256 RSA), with the authority key identifier and a CRL number. Returns DER. */
export async function signCrl(input: { ca: CaMaterial; number: bigint; thisUpdate: Date; nextUpdate: Date; entries: CrlEntryInput[] }): Promise<Buffer> {
  const caCert = new x509.X509Certificate(input.ca.certificatePem);
  const pkcs8 = createPrivateKey(input.ca.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const crl = await x509.X509CrlGenerator.create({
    issuer: caCert.subjectName,
    thisUpdate: input.thisUpdate,
    nextUpdate: input.nextUpdate,
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as CrlParams['signingAlgorithm'],
    signingKey: signingKey as unknown as CrlParams['signingKey'],
    extensions: [new x509.AuthorityKeyIdentifierExtension(input.ca.keyId), new x509.Extension('2.5.29.20', false, derInteger(input.number))],
    entries: input.entries.map((e) => ({ serialNumber: e.serial, revocationDate: e.revokedAt, reason: REASONS[e.reason] })),
  });
  return Buffer.from(crl.rawData);
}

/** PEM as Node's TLS wants it (`X509 CRL`; @peculiar/x509 writes `CRL`). */
export function crlDerToPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN X509 CRL-----\n${b64}\n-----END X509 CRL-----\n`;
}
