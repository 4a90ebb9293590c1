import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import path from 'node:path';
import { Client } from 'pg';

/** What every `npm run bench:*` script shares: CLI numbers, the run id, the scratch databases, the bench admin. */
export const BENCH_ARGS = process.argv.slice(2);

/** `--name <number>` from the command line, else `def`. */
export const numberArg = (name: string, def: number): number => {
  const i = BENCH_ARGS.indexOf(`--${name}`);
  return i >= 0 ? Number(BENCH_ARGS[i + 1]) : def;
};

export const ROOT = path.resolve(__dirname, '..', '..');
/** Unique per bench process: names its scratch databases and Redis prefixes. */
export const RUN = `${Date.now().toString(36)}_${process.pid}`;
/** Maintenance connection used to create and drop the scratch databases. */
export const PG_BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_ADMIN = { email: 'bench-admin@proticket.local', password: 'bench-admin-password-0123' };

/** The URL of database `name` on the bench's PostgreSQL server. */
export const dbUrl = (name: string): string => {
  const u = new URL(PG_BASE);
  u.pathname = `/${name}`;
  return u.toString();
};

/** Runs one statement (CREATE/DROP DATABASE, a WAL position …) on the maintenance connection; returns its rows. */
export async function adminSql(sql: string, params: unknown[] = []): Promise<{ rows: any[] }> {
  const c = new Client({ connectionString: PG_BASE });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/**
 * The node arguments that start one API instance script (`scripts/bench/<name>-server.ts`) as production runs it:
 * compiled JavaScript from `npm run build` (what `npm run start:prod` starts), not ts-node. ts-node is not only a
 * compile-on-load cost: its REPL module loads `node:domain`, which wraps every EventEmitter call of the process — a
 * tax production does not pay. The node flags are production's too (PRODUCTION_NODE_FLAGS). `BENCH_TS_NODE=1` keeps
 * the old way (no build); `BENCH_NODE_ARGS` adds node flags (e.g. `--cpu-prof`).
 */
export function apiServerArgs(name: string): string[] {
  const flags = [...PRODUCTION_NODE_FLAGS, ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  if (process.env.BENCH_TS_NODE === '1') return [...flags, '-r', 'ts-node/register/transpile-only', `scripts/bench/${name}-server.ts`];
  if (!built) {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    built = true;
  }
  return [...flags, path.join(ROOT, 'dist', 'scripts', 'bench', `${name}-server.js`)];
}
let built = false;

/** The node flags production starts the API with: those of `npm run start:prod` (`node <flags> dist/src/main.js`). */
export const PRODUCTION_NODE_FLAGS: string[] = (() => {
  const script: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'];
  const words = script.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.findIndex((w) => w.endsWith('.js')));
})();

export interface LeanResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * One scanner's or shop customer's HTTPS connection for a bench's load phase: TLS (the server's policy and
 * certificate, verified against the CA), HTTP/1.1 keep-alive, one request at a time — what a real client does, with
 * a load generator's per-request cost (a request is one string write, the response is read by Content-Length) instead
 * of a general-purpose client's. On a 2-core machine the load generator shares the CPU with the system under test (as
 * pgbench's client does with PostgreSQL in the baseline), so its own cost per request is part of the figure; undici
 * spent ~0.11 ms CPU per request, this ~0.03–0.04 ms. `--driver undici` in the benches switches back for comparison.
 */
export class LeanHttpsConnection {
  private socket: tls.TLSSocket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: LeanResponse) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly ca: string | Buffer,
  ) {}

  async request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<LeanResponse> {
    const socket = this.socket ?? (await this.connect());
    let head = `${method} ${path} HTTP/1.1\r\nhost: localhost\r\n`;
    for (const k in headers) head += `${k}: ${headers[k]}\r\n`;
    head += body === undefined ? '\r\n' : `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise<LeanResponse>((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(head);
    });
  }

  /** Opens the connection (TCP + TLS handshake) now, so that a measured request does not pay for it. */
  async open(): Promise<void> {
    if (!this.socket) await this.connect();
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: this.host, port: this.port, ca: this.ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
      s.setNoDelay(true);
      s.once('secureConnect', () => {
        this.socket = s;
        resolve(s);
      });
      s.on('data', (d: Buffer) => this.onData(d));
      const fail = (e: Error) => {
        this.socket = null;
        const w = this.waiting;
        this.waiting = null;
        w?.reject(e);
        reject(e);
      };
      s.once('error', fail);
      s.once('close', () => fail(new Error('connection closed by the server')));
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const lengthMatch = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!lengthMatch) {
      this.waiting?.reject(new Error(`response without content-length: ${head.split('\r\n')[0]}`));
      this.waiting = null;
      return;
    }
    const total = end + 4 + Number(lengthMatch[1]);
    if (this.buf.length < total) return;
    const body = this.buf.subarray(end + 4, total);
    this.buf = this.buf.subarray(total);
    const w = this.waiting;
    this.waiting = null;
    w?.resolve({ status: Number(head.slice(9, 12)), contentType: /\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1] ?? '', body });
  }
}
