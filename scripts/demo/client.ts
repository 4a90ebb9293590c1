import fs from 'node:fs';
import { Agent, request } from 'undici';

/** A small HTTPS client for scripts that talk to a running ProTicket (trusts the development CA when present). */
export class ApiClient {
  private readonly agent: Agent;
  token?: string;

  constructor(readonly baseUrl: string, caFile?: string) {
    const ca = caFile && fs.existsSync(caFile) ? fs.readFileSync(caFile, 'utf8') : undefined;
    this.agent = new Agent({ connect: { ca, servername: new URL(baseUrl).hostname } });
  }

  async call<T = any>(method: string, path: string, body?: unknown, token = this.token): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await request(`${this.baseUrl}${path}`, {
      method: method as never,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.agent,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text && String(res.headers['content-type']).includes('json') ? JSON.parse(text) : text) as T };
  }

  /** Like call, but throws unless the status is one of `ok`. */
  async expect<T = any>(ok: number[], method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const r = await this.call<T>(method, path, body);
    if (!ok.includes(r.status)) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  }

  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        if ((await this.call('GET', '/health/ready')).status === 200) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > until) throw new Error(`ProTicket at ${this.baseUrl} did not become ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async login(email: string, password: string): Promise<string> {
    const r = await this.expect<{ token: string }>([200, 201], 'POST', '/auth/login', { email, password });
    return r.body.token;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
