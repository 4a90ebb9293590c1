/**
 * `npm run bench:pki [-- --clients 16 --seconds 5 --issue 3]`
 *
 * Platform PKI costs, on a scratch database and Redis prefix, one in-process API instance with the business listener:
 * 1. certificate issuance through the API (RSA-4096 key + certificate + PKCS#12), `--issue` times,
 * 2. CRL signing (@peculiar/x509) with 1,000 and 10,000 entries,
 * 3. authenticated requests per second over keep-alive connections: the public listener (session check only, the
 *    baseline) against the business listener (mutual TLS + per-request certificate check, cache warm), and the
 *    business listener with the cache off (PKI_GUARD_CACHE_MS=0: one SQL lookup per request),
 * then prints a table and, as the last line, one JSON object.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { Agent, request } from 'undici';
import { loadConfig } from '../../config/configuration';
import { AppModule } from '../../src/app.module';
import { createHttpApp } from '../../src/infrastructure/http/create-http-app';
import { loadTlsMaterial } from '../../src/infrastructure/http/tls-material';
import { ClientCertEnforcer } from '../../src/modules/security/pki/application/client-cert-enforcer';
import { BusinessListener } from '../../src/modules/security/pki/infrastructure/business-listener.service';
import { createCaCertificate, newSerial, signCrl } from '../../src/modules/security/pki/infrastructure/x509-toolkit';
import { BENCH_ADMIN, ROOT, RUN, adminSql, dbUrl, numberArg } from './support';

const arg = numberArg;
const CLIENTS = arg('clients', 16);
const SECONDS = arg('seconds', 5);
const ISSUE = arg('issue', 3);
const DB = `proticket_pkibench_${RUN}`;
const PREFIX = `pt-pkibench-${RUN}`;
const ADMIN = BENCH_ADMIN;
const log = (s: string) => process.stderr.write(`[bench:pki] ${s}\n`);
async function call(agent: Agent, url: string, method: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await request(url, { method: method as never, headers, body: body === undefined ? undefined : JSON.stringify(body), dispatcher: agent });
  const text = await r.body.text();
  return { status: r.statusCode, body: text ? JSON.parse(text) : undefined };
}

/** CLIENTS concurrent loops for SECONDS: requests per second and latency percentiles. */
async function load(agent: Agent, url: string, token: string) {
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        const r = await request(url, { headers: { authorization: `Bearer ${token}` }, dispatcher: agent });
        await r.body.dump();
        if (r.statusCode !== 200) errors++;
        lat.push(performance.now() - t0);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const p = (q: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] * 100) / 100;
  return { rps: Math.round(lat.length / SECONDS), p50: p(0.5), p99: p(0.99), errors };
}

async function main() {
  log(`scratch database ${DB}`);
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migrate.ts'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: dbUrl(DB) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: dbUrl(DB),
    REDIS_KEY_PREFIX: PREFIX,
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    TLS_DEV_DIR: path.join(ROOT, 'var/tls-test'),
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    PKI_GUARD_CACHE_MS: '3000',
  });
  const tls = await loadTlsMaterial(config);
  const app = await createHttpApp(AppModule.forRoot(config), config, tls);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.getHttpServer().address() as { port: number }).port;
  const businessPort = await app.get(BusinessListener).start(app, tls, 0, '127.0.0.1');
  const pub = `https://127.0.0.1:${port}`;
  const biz = `https://127.0.0.1:${businessPort}`;
  const plain = new Agent({ connect: { ca: tls.ca, servername: 'localhost' }, connections: CLIENTS, keepAliveTimeout: 30_000 });
  const results: Record<string, unknown> = {};
  try {
    const admin = (await call(plain, `${pub}/auth/login`, 'POST', ADMIN)).body.token;
    const org = (await call(plain, `${pub}/organizations`, 'POST', { kind: 'organizer', name: `Bench ${RUN}` }, admin)).body.id;
    const email = `clerk-${RUN}@bench.local`;
    const password = 'bench-clerk-password-0123';
    const user = await call(plain, `${pub}/users`, 'POST', { organizationId: org, email, displayName: 'Clerk', password, roles: ['box-office-clerk'] }, admin);

    // 1. issuance
    const issueMs: number[] = [];
    let pfx: Buffer | undefined;
    const passphrase = 'Bench-p12-password-1';
    for (let i = 0; i < ISSUE; i++) {
      const t0 = performance.now();
      const r = await call(plain, `${pub}/pki/certificates`, 'POST', { userId: user.body.id, binding: { kind: 'machine', machineName: `BENCH-${i}` }, pkcs12Password: passphrase }, admin);
      if (r.status !== 201) throw new Error(`issue failed: ${r.status} ${JSON.stringify(r.body)}`);
      issueMs.push(performance.now() - t0);
      pfx ??= Buffer.from(r.body.pkcs12Base64, 'base64');
    }
    issueMs.sort((a, b) => a - b);
    results.issue_ms_median = Math.round(issueMs[Math.floor(issueMs.length / 2)]);
    results.issue_ms_max = Math.round(issueMs[issueMs.length - 1]);

    // 2. CRL signing
    const ca = await createCaCertificate({ commonName: 'Bench CA', validityDays: 10 });
    for (const n of [1000, 10000]) {
      const entries = Array.from({ length: n }, () => ({ serial: newSerial(), revokedAt: new Date(), reason: 'keyCompromise' as const }));
      const t0 = performance.now();
      const der = await signCrl({ ca, number: 1n, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 86400_000), entries });
      results[`crl_${n}_ms`] = Math.round(performance.now() - t0);
      results[`crl_${n}_bytes`] = der.length;
    }

    // 3. requests per second
    const certAgent = new Agent({ connect: { ca: tls.ca, servername: 'localhost', pfx, passphrase }, connections: CLIENTS, keepAliveTimeout: 30_000 });
    const bizToken = (await call(certAgent, `${biz}/auth/login`, 'POST', { email, password })).body.token;
    const pubToken = (await call(plain, `${pub}/auth/login`, 'POST', { email, password })).body.token;
    log(`public listener: ${CLIENTS} clients × ${SECONDS} s`);
    results.public = await load(plain, `${pub}/auth/me`, pubToken);
    log('business listener (cache warm)');
    results.business_cached = await load(certAgent, `${biz}/auth/me`, bizToken);
    log('business listener (cache off)');
    (app.get(ClientCertEnforcer) as unknown as { config: { PKI_GUARD_CACHE_MS: number } }).config.PKI_GUARD_CACHE_MS = 0;
    app.get(ClientCertEnforcer).invalidateAll();
    results.business_uncached = await load(certAgent, `${biz}/auth/me`, bizToken);
    await certAgent.close();
  } finally {
    await plain.close();
    await app.close();
    await adminSql(`drop database if exists "${DB}" with (force)`).catch(() => undefined);
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${PREFIX}:*`).catch(() => [] as string[]);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }

  const row = (name: string, r: { rps: number; p50: number; p99: number; errors: number }) => `| ${name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`;
  console.log(`\n| step | figure |\n|---|---|`);
  console.log(`| issue certificate (RSA-4096 + PKCS#12), median / max | ${results.issue_ms_median} ms / ${results.issue_ms_max} ms |`);
  console.log(`| sign CRL, 1,000 entries | ${results.crl_1000_ms} ms (${results.crl_1000_bytes} B) |`);
  console.log(`| sign CRL, 10,000 entries | ${results.crl_10000_ms} ms (${results.crl_10000_bytes} B) |`);
  console.log(`\n| GET /auth/me, ${CLIENTS} clients, keep-alive | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|`);
  console.log(row('public listener (baseline)', results.public as never));
  console.log(row('business listener, cache warm', results.business_cached as never));
  console.log(row('business listener, cache off', results.business_uncached as never));
  console.log(JSON.stringify({ bench: 'pki', clients: CLIENTS, seconds: SECONDS, ...results }));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
