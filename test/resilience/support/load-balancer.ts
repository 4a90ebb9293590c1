import https from 'node:https';
import net from 'node:net';

export interface Backend {
  name: string;
  port: number;
  healthy: boolean;
  passes: number;
  fails: number;
}

/**
 * A small TCP (layer 4) load balancer for tests, behaving like HAProxy in `mode tcp` with `option httpchk`: round robin
 * over backends whose `GET /health/ready` answers 200 (checked every `checkMs`; down after three failed checks, up after
 * two passes), and a connection that cannot reach a backend is retried on the next one (`option redispatch`: nothing
 * was sent yet, so this is safe for any request). Production uses HAProxy/nginx (docker-compose profile `ha`).
 */
export class TestLoadBalancer {
  private server?: net.Server;
  private readonly timers = new Map<Backend, NodeJS.Timeout>();
  private next = 0;
  readonly backends: Backend[] = [];
  port = 0;
  /** Connections that found no backend at all. */
  refused = 0;

  constructor(
    private readonly ca: string,
    private readonly checkMs = 100,
  ) {}

  add(name: string, port: number): void {
    const b = { name, port, healthy: false, passes: 0, fails: 0 };
    this.backends.push(b);
    this.watch(b);
  }

  remove(name: string): void {
    const i = this.backends.findIndex((b) => b.name === name);
    if (i >= 0) {
      clearTimeout(this.timers.get(this.backends[i]));
      this.backends.splice(i, 1);
    }
  }

  async start(): Promise<this> {
    this.server = net.createServer((client) => this.route(client));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Each backend has its own check loop, so one slow check never delays another backend's. */
  private watch(b: Backend): void {
    const loop = async () => {
      if (!this.server || !this.backends.includes(b)) return;
      await this.check(b);
      this.timers.set(b, setTimeout(loop, this.checkMs));
    };
    void loop();
  }

  private check(b: Backend): Promise<void> {
    return new Promise((resolve) => {
      const req = https.get(
        { host: '127.0.0.1', port: b.port, path: '/health/ready', ca: this.ca, servername: 'localhost', agent: false, timeout: 5000 },
        (res) => {
          res.resume();
          if (res.statusCode === 200) this.pass(b);
          else this.fail(b);
          resolve();
        },
      );
      req.on('error', () => {
        this.fail(b);
        resolve();
      });
      req.on('timeout', () => req.destroy());
    });
  }

  /** HAProxy's defaults: `rise 2 fall 3`. */
  private pass(b: Backend): void {
    b.fails = 0;
    if (++b.passes >= 2) b.healthy = true;
  }

  private fail(b: Backend): void {
    b.passes = 0;
    if (++b.fails >= 3) b.healthy = false;
  }

  private pick(exclude: Set<string>): Backend | undefined {
    const up = this.backends.filter((b) => b.healthy && !exclude.has(b.name));
    if (!up.length) return undefined;
    return up[this.next++ % up.length];
  }

  private route(client: net.Socket): void {
    const buffered: Buffer[] = [];
    const onData = (d: Buffer) => buffered.push(d);
    client.on('data', onData);
    client.on('error', () => undefined);
    const tried = new Set<string>();
    const attempt = () => {
      const b = this.pick(tried);
      if (!b) {
        this.refused++;
        client.destroy();
        return;
      }
      tried.add(b.name);
      const upstream = net.connect(b.port, '127.0.0.1');
      upstream.once('error', (e: NodeJS.ErrnoException) => {
        if (!upstream.readyState || upstream.connecting) {
          attempt(); // never connected: redispatch
        } else client.destroy();
        void e;
      });
      upstream.once('connect', () => {
        client.off('data', onData);
        for (const d of buffered) upstream.write(d);
        client.pipe(upstream).pipe(client);
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
    };
    attempt();
  }

  async close(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    const s = this.server;
    this.server = undefined;
    await new Promise((r) => s?.close(r));
  }
}
