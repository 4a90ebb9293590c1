import { once } from 'node:events';
import tls, { ConnectionOptions } from 'node:tls';
import { loadTlsMaterial } from '../../../src/infrastructure/http/tls-material';
import { TestApp } from '../../support/app-harness';

// Generous for a loaded machine (app boot, migrations, child processes through ts-node); a passing run is far faster.
jest.setTimeout(180_000);

/**
 * The listener's TLS policy (BSI TR-02102-2) seen by real clients. Every "refused" case is paired with a control: the
 * same client against a permissive server with the same certificate connects, so a refusal is the policy's doing and
 * not the client's own (OpenSSL 3 clients refuse TLS 1.0/1.1 by themselves unless SECLEVEL=0).
 */
type Handshake = { ok: true; protocol: string | null; cipher: string; keyBits?: number } | { ok: false; error: string };

function handshake(port: number, ca: string, opts: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ...opts }, () => {
      const cert = socket.getPeerCertificate();
      resolve({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().name, keyBits: cert.bits });
      socket.end();
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('error', (e) => resolve({ ok: false, error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}` }));
  });
}

const OLD_PROTOCOLS: Record<string, ConnectionOptions> = {
  'TLS 1.0': { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' },
  'TLS 1.1': { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' },
};
const WEAK_TLS12: Record<string, ConnectionOptions> = {
  'CBC suites': {
    maxVersion: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384',
  },
  ChaCha20: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' },
  'static RSA (AES128-GCM-SHA256)': { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384' },
};
const WEAK_TLS13: ConnectionOptions = { minVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' };

describe('TLS policy of the HTTPS listener (BSI TR-02102-2)', () => {
  let t: TestApp;
  let permissive: tls.Server;
  let permissivePort: number;

  beforeAll(async () => {
    t = await TestApp.start();
    // The control: same certificate, everything allowed.
    const material = await loadTlsMaterial(t.config);
    permissive = tls.createServer({
      key: material.key,
      cert: material.cert,
      minVersion: 'TLSv1',
      ciphers: 'ALL:@SECLEVEL=0',
    });
    permissive.on('secureConnection', (s) => s.end());
    permissive.on('tlsClientError', () => undefined);
    permissive.listen(0, '127.0.0.1');
    await once(permissive, 'listening');
    permissivePort = (permissive.address() as { port: number }).port;
  });
  afterAll(async () => {
    permissive?.close();
    await t?.close();
  });

  it.each(Object.entries(OLD_PROTOCOLS))('%s_isRefused', async (_name, opts) => {
    const control = await handshake(permissivePort, t.ca, opts);
    expect(control).toMatchObject({ ok: true });
    const r = await handshake(t.port, t.ca, opts);
    expect(r).toMatchObject({ ok: false });
  });

  it.each(Object.entries(WEAK_TLS12))('tls12With_%s_isRefused', async (_name, opts) => {
    const control = await handshake(permissivePort, t.ca, opts);
    expect(control).toMatchObject({ ok: true, protocol: 'TLSv1.2' });
    const r = await handshake(t.port, t.ca, opts);
    expect(r).toMatchObject({ ok: false });
  });

  it('tls13WithOnlyChaCha20_isRefused', async () => {
    expect(await handshake(permissivePort, t.ca, WEAK_TLS13)).toMatchObject({ ok: true, protocol: 'TLSv1.3', cipher: 'TLS_CHACHA20_POLY1305_SHA256' });
    expect(await handshake(t.port, t.ca, WEAK_TLS13)).toMatchObject({ ok: false });
  });

  it('tls12WithEcdheRsaAes256Gcm_isAccepted', async () => {
    const r = await handshake(t.port, t.ca, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' });
    expect(r).toEqual(expect.objectContaining({ ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' }));
  });

  it('tls12WithEcdheRsaAes128Gcm_isAccepted', async () => {
    const r = await handshake(t.port, t.ca, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    expect(r).toEqual(expect.objectContaining({ ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' }));
  });

  it('defaultClient_negotiatesTls13WithAesGcm', async () => {
    const r = await handshake(t.port, t.ca, {});
    expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
    expect((r as { cipher: string }).cipher).toMatch(/^TLS_AES_(128|256)_GCM_SHA(256|384)$/);
  });

  it('serverKey_isRsa4096_andChainsToTheDevelopmentCa', async () => {
    // `ca` is the development CA only: the handshake succeeding verifies the chain and the localhost name.
    const r = await handshake(t.port, t.ca, { rejectUnauthorized: true });
    expect(r).toMatchObject({ ok: true, keyBits: 4096 });
  });

  it('everyResponse_carriesHsts_evenErrors', async () => {
    for (const path of ['/health/live', '/no-such-route', '/auth/me']) {
      const r = await t.get(path);
      expect(r.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}; includeSubDomains$/);
    }
  });
});
