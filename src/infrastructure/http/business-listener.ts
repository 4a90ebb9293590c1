import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { BSI_TLS_POLICY } from './tls-policy';

/**
 * The business listener: a second HTTPS port, served by the same Fastify routing as the public one, that ALWAYS asks
 * for a client certificate and completes the handshake only for certificates of the platform CA that the current CRL
 * does not list (TLS 1.3 has no per-route certificate request, hence a port of its own). Which listener a request came
 * through, and the certificate it presented, are read with `connectionInfo(req.raw)`.
 */
const BUSINESS = Symbol('proticket.businessListener');
const PEER = Symbol('proticket.peerCertificate');

export interface ClientTrust {
  /** PEM of the CA(s) whose client certificates are accepted. */
  ca: string;
  /** PEM (`BEGIN X509 CRL`) of the current CRL. */
  crl: string;
}

export interface ConnectionInfo {
  listener: 'public' | 'business';
  /** Lower-case hex serial of the verified client certificate (business listener only). */
  serial?: string;
  /** SHA-256 fingerprint, lower-case hex without colons. */
  fingerprint?: string;
}

type SocketWithPeer = TLSSocket & { [BUSINESS]?: true; [PEER]?: { serial: string; fingerprint: string } };

export function trustContext(tls: { key: string; cert: string }, trust: ClientTrust): SecureContextOptions {
  const { ciphers, ecdhCurve, minVersion, maxVersion, honorCipherOrder } = BSI_TLS_POLICY;
  return { key: tls.key, cert: tls.cert, ca: trust.ca, crl: trust.crl, ciphers, ecdhCurve, minVersion, maxVersion, honorCipherOrder };
}

export function createMutualTlsServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls: { key: string; cert: string },
  trust: ClientTrust,
): https.Server {
  const server = https.createServer({ ...trustContext(tls, trust), requestCert: true, rejectUnauthorized: true }, handler);
  server.on('secureConnection', (socket: SocketWithPeer) => {
    socket[BUSINESS] = true;
    const peer = socket.getPeerCertificate();
    if (peer && peer.serialNumber) {
      socket[PEER] = { serial: peer.serialNumber.toLowerCase().padStart(32, '0'), fingerprint: peer.fingerprint256.replace(/:/g, '').toLowerCase() };
    }
  });
  server.on('tlsClientError', () => undefined); // refused handshakes (no/foreign/revoked certificate) are expected
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 30_000;
  return server;
}

export function connectionInfo(raw: IncomingMessage): ConnectionInfo {
  const socket = raw.socket as SocketWithPeer | undefined;
  if (!socket?.[BUSINESS]) return { listener: 'public' };
  return { listener: 'business', serial: socket[PEER]?.serial, fingerprint: socket[PEER]?.fingerprint };
}
