import { Logger } from '@nestjs/common';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { promisify } from 'node:util';
import { AppConfig } from '../../../config/configuration';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** CA certificate(s) a client must trust (the development CA when generated). */
  ca?: string;
  generated: boolean;
}

const genKeyPair = promisify(generateKeyPair);

/** RSA-4096 with Node's crypto (~1 s; node-forge's pure-JS generator takes 13–90 s). */
export async function generateRsa4096(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const { privateKey, publicKey } = await genKeyPair('rsa', {
    modulusLength: 4096,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey as unknown as string, publicKeyPem: publicKey as unknown as string };
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive
  return b.toString('hex');
}

/** Creates a development CA and a server certificate for localhost signed by it (node-forge, SHA-256). */
export async function createDevelopmentPki(hostnames: string[] = ['localhost']): Promise<{ caCert: string; caKey: string; cert: string; key: string }> {
  const [ca, srv] = await Promise.all([generateRsa4096(), generateRsa4096()]);
  const caKey = forge.pki.privateKeyFromPem(ca.privateKeyPem);
  const caPub = forge.pki.publicKeyFromPem(ca.publicKeyPem);
  const now = new Date(Date.now() - 60_000);

  const caCert = forge.pki.createCertificate();
  caCert.publicKey = caPub;
  caCert.serialNumber = serial();
  caCert.validity.notBefore = now;
  caCert.validity.notAfter = new Date(now.getTime() + 5 * 365 * 86400_000);
  const caSubject = [
    { name: 'commonName', value: 'ProTicket Development CA' },
    { name: 'organizationName', value: 'ProTicket (development only)' },
  ];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(caKey, forge.md.sha256.create());
  const caKeyId = caCert.generateSubjectKeyIdentifier().getBytes();

  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(srv.publicKeyPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + 397 * 86400_000);
  cert.setSubject([{ name: 'commonName', value: hostnames[0] }]);
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...hostnames.map((value) => ({ type: 2, value })),
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    // node-forge's `keyIdentifier: true` would write the subject's own key id: pass the CA's explicitly.
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyId },
  ]);
  cert.sign(caKey, forge.md.sha256.create());

  return {
    caCert: forge.pki.certificateToPem(caCert),
    caKey: ca.privateKeyPem,
    cert: forge.pki.certificateToPem(cert),
    key: srv.privateKeyPem,
  };
}

/**
 * The listener's key and certificate: from TLS_CERT_FILE/TLS_KEY_FILE when configured, otherwise (development and
 * tests) a development CA and an RSA-4096 server certificate created on first start in TLS_DEV_DIR and reused.
 */
export async function loadTlsMaterial(config: AppConfig): Promise<TlsMaterial> {
  if (config.TLS_CERT_FILE && config.TLS_KEY_FILE) {
    const read = (f: string, name: string) =>
      fs.readFile(f, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new Error(`${name}: cannot read ${f} (${e.code})`);
      });
    const [cert, key, ca] = await Promise.all([
      read(config.TLS_CERT_FILE, 'TLS_CERT_FILE'),
      read(config.TLS_KEY_FILE, 'TLS_KEY_FILE'),
      config.TLS_CA_FILE ? read(config.TLS_CA_FILE, 'TLS_CA_FILE') : Promise.resolve(undefined),
    ]);
    return { cert, key, ca, generated: false };
  }
  const dir = path.resolve(config.TLS_DEV_DIR);
  const files = { ca: path.join(dir, 'dev-ca.crt'), caKey: path.join(dir, 'dev-ca.key'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
  const existing = await readAll(files);
  if (existing) return existing;

  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // Several processes may start at once (tests, two instances): one creates, the others wait for it.
  const lock = path.join(dir, '.lock');
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(lock, 'wx');
  } catch {
    for (let i = 0; i < 300; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const ready = await readAll(files);
      if (ready) return ready;
    }
    throw new Error(`timed out waiting for the development certificate in ${dir} (remove ${lock} if stale)`);
  }
  try {
    new Logger('TLS').warn(`no TLS_CERT_FILE configured: creating a development CA and RSA-4096 server certificate in ${dir}`);
    const pki = await createDevelopmentPki();
    await fs.writeFile(files.caKey, pki.caKey, { mode: 0o600 });
    await fs.writeFile(files.key, pki.key, { mode: 0o600 });
    await fs.writeFile(files.ca, pki.caCert);
    await fs.writeFile(files.cert + '.tmp', pki.cert);
    await fs.rename(files.cert + '.tmp', files.cert); // the certificate appears last: its presence means "complete"
    return { cert: pki.cert, key: pki.key, ca: pki.caCert, generated: true };
  } finally {
    await handle.close();
    await fs.unlink(lock).catch(() => undefined);
  }
}

async function readAll(files: { ca: string; cert: string; key: string }): Promise<TlsMaterial | undefined> {
  try {
    const [cert, key, ca] = await Promise.all([fs.readFile(files.cert, 'utf8'), fs.readFile(files.key, 'utf8'), fs.readFile(files.ca, 'utf8')]);
    return { cert, key, ca, generated: false };
  } catch {
    return undefined;
  }
}
