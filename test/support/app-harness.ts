import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule, ForwardReference, Type } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { Agent, request as undiciRequest } from 'undici';
import { AppConfig, loadConfig } from '../../config/configuration';
import { AppModule } from '../../src/app.module';
import { createHttpApp } from '../../src/infrastructure/http/create-http-app';
import { loadTlsMaterial } from '../../src/infrastructure/http/tls-material';
import { BusinessListener } from '../../src/modules/security/pki/infrastructure/business-listener.service';
import type { OrganizationKind, Role } from '../../src/shared-kernel/roles';
import { fastifyRoutes, RouteEntry as RegisteredRoute } from './fastify-routes';

export const TEST_ADMIN = { email: 'platform-admin@test.proticket.local', password: 'test-admin-password-0123' };

export interface HttpResult<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

export interface StartOptions {
  /** Extra Nest modules booted beside the app (test-only consumers, job handlers). */
  imports?: Array<Type<unknown> | DynamicModule | ForwardReference>;
  /** Also start the business listener (client certificate required) on a random port: `businessPort`. */
  businessListener?: boolean;
}

export type { RouteEntry as RegisteredRoute } from './fastify-routes';

export interface RequestOptions {
  body?: unknown;
  /** Raw body (string/Buffer) sent as is. */
  raw?: string | Buffer;
  token?: string;
  headers?: Record<string, string>;
}

/**
 * The real app, booted exactly as main.ts does (same module, same HTTPS listener with the BSI TLS policy), on a
 * random port, against the run's own database and Redis prefix. Use `request` for HTTPS calls that trust the
 * development CA.
 */
export class TestApp {
  /** Port of the business listener when started with `{ businessListener: true }`. */
  businessPort?: number;

  private constructor(
    readonly app: NestFastifyApplication,
    readonly config: AppConfig,
    readonly port: number,
    readonly ca: string,
    private readonly agent: Agent,
  ) {}

  /** Every route Fastify's router holds: Nest controllers and the routes Swagger registers on Fastify directly. */
  get routes(): RegisteredRoute[] {
    return fastifyRoutes(this.app);
  }

  static async start(overrides: Record<string, string> = {}, options: StartOptions = {}): Promise<TestApp> {
    const config = loadConfig({
      ...process.env,
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      BOOTSTRAP_ADMIN_EMAIL: TEST_ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: TEST_ADMIN.password,
      ...overrides,
    });
    const tls = await loadTlsMaterial(config);
    const root: DynamicModule = options.imports?.length
      ? { module: class TestRootModule {}, imports: [AppModule.forRoot(config), ...options.imports] }
      : AppModule.forRoot(config);
    const app = await createHttpApp(root, config, tls);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const agent = new Agent({ connect: { ca: tls.ca, servername: 'localhost' }, keepAliveTimeout: 1000 });
    const t = new TestApp(app, config, port, tls.ca!, agent);
    if (options.businessListener) t.businessPort = await app.get(BusinessListener).start(app, tls, 0, '127.0.0.1');
    return t;
  }

  get baseUrl(): string {
    return `https://localhost:${this.port}`;
  }

  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await undiciRequest(`https://127.0.0.1:${this.port}${path}`, { method: method as never, headers, body, dispatcher: this.agent });
    const text = await res.body.text();
    let parsed: unknown = text;
    const type = String(res.headers['content-type'] ?? '');
    if (type.includes('json') && text) parsed = JSON.parse(text);
    return { status: res.statusCode, headers: res.headers as HttpResult['headers'], body: parsed as T, text };
  }

  get<T = any>(path: string, token?: string) {
    return this.request<T>('GET', path, { token });
  }

  post<T = any>(path: string, body: unknown, token?: string) {
    return this.request<T>('POST', path, { body, token });
  }

  /** A fresh entity manager on the app's ORM (for assertions straight in the database). */
  em(): EntityManager {
    return this.app.get(MikroORM).em.fork() as EntityManager;
  }

  async login(email: string, password: string): Promise<string> {
    const r = await this.post('/auth/login', { email, password });
    if (r.status !== 200) throw new Error(`login ${email} failed: ${r.status} ${r.text}`);
    return r.body.token as string;
  }

  adminToken(): Promise<string> {
    return this.login(TEST_ADMIN.email, TEST_ADMIN.password);
  }

  /** Creates an organization (as platform admin) and one user in it with the given roles; returns its token. */
  async createTenant(kind: Exclude<OrganizationKind, 'platform'>, roles: Role[], name = `${kind} ${uniq()}`) {
    const admin = await this.adminToken();
    const org = await this.post('/organizations', { kind, name }, admin);
    if (org.status !== 201) throw new Error(`create organization failed: ${org.status} ${org.text}`);
    const user = await this.createUser(admin, org.body.id, roles);
    return { organizationId: org.body.id as string, organizationName: name, ...user };
  }

  async createUser(token: string, organizationId: string, roles: Role[]) {
    const email = `user-${uniq()}@test.proticket.local`;
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const r = await this.post('/users', { organizationId, email, displayName: email, password, roles }, token);
    if (r.status !== 201) throw new Error(`create user failed: ${r.status} ${r.text}`);
    return { userId: r.body.id as string, email, password, token: await this.login(email, password) };
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.agent.close();
  }
}

export const uniq = (): string => randomBytes(6).toString('hex');

/**
 * A database of its own, migrated with the real migrations, for a suite that must not share state with the parallel
 * suites (it tampers with the audit chain, or counts every outbox event and job). Drop it in afterAll.
 */
export async function createIsolatedDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_iso_${uniq()}`;
  const name = url.pathname.slice(1);
  const admin = new URL(url.toString());
  admin.pathname = '/postgres';
  const onAdmin = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ connectionString: admin.toString() });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  // Clone the run's migrated template (global setup) when there is one; several clones at once may collide: retry.
  const template = process.env.TEST_TEMPLATE_DATABASE;
  let cloned = false;
  for (let i = 0; template && !cloned && i < 20; i++) {
    cloned = await onAdmin((c) => c.query(`create database "${name}" template "${template}"`)).then(
      () => true,
      async () => (await new Promise((r) => setTimeout(r, 100 + Math.random() * 200)), false),
    );
  }
  if (!cloned) {
    await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migrate.ts'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, DATABASE_URL: url.toString() },
    });
  }
  const drop = () => onAdmin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => undefined, () => undefined);
  return { url: url.toString(), drop };
}
