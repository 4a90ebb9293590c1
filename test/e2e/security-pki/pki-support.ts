import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, request as undiciRequest } from 'undici';
import type { HttpResult, TestApp } from '../../support/app-harness';
import { waitFor as poll } from '../../support/wait';

export interface ClientCredentials {
  pfx: Buffer;
  passphrase: string;
}

export interface IssuedCertificate extends ClientCredentials {
  serial: string;
  body: any;
}

/** Issues a certificate through the API (as `token`) and returns its PKCS#12 + password ready for a TLS client. */
export async function issueCertificate(t: TestApp, token: string, body: Record<string, unknown>): Promise<IssuedCertificate> {
  const r = await t.post('/pki/certificates', body, token);
  if (r.status !== 201) throw new Error(`issue failed: ${r.status} ${r.text}`);
  return { serial: r.body.serial, pfx: Buffer.from(r.body.pkcs12Base64, 'base64'), passphrase: String(body.pkcs12Password), body: r.body };
}

/** An undici agent that presents the client certificate to the business listener (keep-alive connections). */
export function businessAgent(t: TestApp, creds?: ClientCredentials | { cert: string; key: string }): Agent {
  return new Agent({ connect: { ca: t.ca, servername: 'localhost', ...(creds ?? {}) }, keepAliveTimeout: 30_000, pipelining: 1, connections: 1 });
}

export async function businessRequest<T = any>(
  t: TestApp,
  agent: Agent,
  method: string,
  p: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await undiciRequest(`https://127.0.0.1:${t.businessPort}${p}`, { method: method as never, headers, body, dispatcher: agent });
  const text = await res.body.text();
  const type = String(res.headers['content-type'] ?? '');
  return { status: res.statusCode, headers: res.headers as HttpResult['headers'], body: (type.includes('json') && text ? JSON.parse(text) : text) as T, text };
}

export async function businessLogin(t: TestApp, agent: Agent, email: string, password: string): Promise<HttpResult> {
  return businessRequest(t, agent, 'POST', '/auth/login', { body: { email, password } });
}

/**
 * One raw TLS connection speaking HTTP/1.1 keep-alive by hand, so a test knows that two requests really went over the
 * SAME connection (undici would silently reconnect).
 */
export class RawKeepAliveConnection {
  private buffer = Buffer.alloc(0);
  private closed = false;
  private waiter?: () => void;
  readonly socket: tls.TLSSocket;

  private constructor(socket: tls.TLSSocket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.waiter?.();
    });
    const end = () => {
      this.closed = true;
      this.waiter?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(port: number, ca: string, creds: ClientCredentials): Promise<RawKeepAliveConnection> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, pfx: creds.pfx, passphrase: creds.passphrase }, () => resolve(new RawKeepAliveConnection(s)));
      s.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** Sends one request; resolves with the response, or 'closed' if the server closed the connection instead. */
  async request(method: string, p: string, token: string): Promise<{ status: number; headers: Record<string, string>; body: any } | 'closed'> {
    if (this.isClosed) return 'closed';
    this.socket.write(`${method} ${p} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nConnection: keep-alive\r\n\r\n`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const head = this.buffer.indexOf('\r\n\r\n');
      if (head >= 0) {
        const lines = this.buffer.subarray(0, head).toString('latin1').split('\r\n');
        const status = Number(lines[0].split(' ')[1]);
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        const len = Number(headers['content-length'] ?? 0);
        if (this.buffer.length >= head + 4 + len) {
          const text = this.buffer.subarray(head + 4, head + 4 + len).toString('utf8');
          this.buffer = this.buffer.subarray(head + 4 + len);
          return { status, headers, body: text && /json/.test(headers['content-type'] ?? '') ? JSON.parse(text) : text };
        }
      }
      if (this.isClosed) return 'closed';
      if (Date.now() > deadline) throw new Error('no response within 10 s');
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, 200);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Runs openssl with input files written to a fresh temp dir; returns stdout + stderr (throws on a non-zero exit). */
export function openssl(args: string[], files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pki-openssl-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed (${r.status}): ${r.stderr}`);
  return r.stdout + r.stderr;
}

/** The TLS handshake (or the first request right after it, TLS 1.3) fails at the socket level — not some other error. */
export async function expectHandshakeRefused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
    const text = [err.code, err.message, err.cause?.code, err.cause?.message].filter(Boolean).join(' ');
    if (/Invalid URL|ECONNREFUSED/i.test(text)) throw new Error(`not a handshake refusal: ${text}`);
    if (!/socket|ECONNRESET|EPIPE|certificate|alert|closed|SSL|TLS|hang up/i.test(text)) throw new Error(`unexpected error: ${text}`);
    return text;
  }
  throw new Error('the request succeeded, expected the handshake to be refused');
}

export const waitFor = <T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, everyMs = 200): Promise<T> =>
  poll(what, fn, timeoutMs, everyMs);

export const strongPassword = () => `P12-pass-${Math.random().toString(36).slice(2, 10)}9`;
