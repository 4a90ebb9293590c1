/**
 * `npm run bench:scan [-- --clients 64 --seconds 15 --pgbench-seconds 15 --instances 1 --driver lean|undici --keep-db]`
 *
 * Access Control over real HTTPS against a scratch database:
 * 1. migrates a scratch database, starts one API instance (child process),
 * 2. a 10,000-ticket event with two gates and 64 enrolled scanner devices; 500 of its tickets revoked,
 * 3. 64 concurrent HTTPS clients (one device each) scan through the full online path for `--seconds`: a mix of
 *    first scans of valid tickets (70 %), duplicates (15 %, racing other gates), forged (10 %) and revoked (5 %),
 * 4. checks the database: no ticket admitted twice (`double_admissions`), every verdict as expected,
 * 5. data figures: offline package bytes for a 300- and a 10,000-ticket event; bytes on the wire (TLS, both directions,
 *    HTTP included) of one online scanner during a compressed "hour" in which 300 tickets enter through two gates,
 * 6. `pgbench -N -c 32 -j 2 -T 15` on a scratch database as the baseline;
 * then prints a table and, as the last line, one JSON object.
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { Client } from 'pg';
import { Agent, request } from 'undici';
import { loadConfig } from '../../config/configuration';
import { loadTlsMaterial } from '../../src/infrastructure/http/tls-material';
import { base45Encode, encodeSignedPart, joinSigned } from '../../src/modules/ticketing/contracts';
import { BENCH_ADMIN, BENCH_ARGS, ROOT, RUN, adminSql, dbUrl, numberArg, apiServerArgs, LeanHttpsConnection } from './support';

const args = BENCH_ARGS;
const arg = numberArg;
const CLIENTS = arg('clients', 64);
const SECONDS = arg('seconds', 15);
const PGBENCH_SECONDS = arg('pgbench-seconds', 15);
const PORT = arg('port', 18643);
const INSTANCES = arg('instances', 1);
/** The load phase's HTTPS client: `lean` (default, see LeanHttpsConnection) or `undici`. */
const DRIVER = args.includes('--driver') ? args[args.indexOf('--driver') + 1] : 'lean';
const BENCH_DB = `proticket_scanbench_${RUN}`;
const PGBENCH_DB = `proticket_scanpg_${RUN}`;
const ADMIN = BENCH_ADMIN;
const FEED_WAIT_S = 55;
const log = (s: string) => process.stderr.write(`[bench:scan] ${s}\n`);

const admin = adminSql;

function startServer(env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, apiServerArgs('scan'), {
      cwd: ROOT,
      env: { ...env, HTTP_PORT: String(port) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => reject(new Error('the API instance did not start')), 90_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('READY')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`the API instance exited with ${code}`)));
  });
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

class EventKey {
  readonly privateKey: KeyObject;
  readonly publicKey: string;
  constructor() {
    const kp = generateKeyPairSync('ed25519');
    const spki = kp.publicKey.export({ format: 'der', type: 'spki' });
    this.publicKey = spki.subarray(spki.length - 32).toString('base64url');
    this.privateKey = kp.privateKey;
  }
  barcode(eventId: string, ticketId = randomUUID()): string {
    const signed = encodeSignedPart({
      keyId: 1,
      ticketId,
      issue: 1,
      eventId,
      placeKind: 'ga',
      placeId: null,
      validFrom: new Date(Date.now() - 3600_000),
      validUntil: new Date(Date.now() + 6 * 3600_000),
      secret: randomBytes(16),
    });
    return base45Encode(joinSigned(signed, sign(null, signed, this.privateKey)));
  }
}

async function main(): Promise<void> {
  const key = new EventKey();
  const forger = new EventKey();
  const ev = { big: randomUUID(), e300: randomUUID(), e10000: randomUUID(), hour: randomUUID() };
  const trust = Object.fromEntries(Object.values(ev).map((id) => [id, [{ keyId: 1, publicKey: key.publicKey }]]));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: dbUrl(BENCH_DB),
    DATABASE_POOL_MAX: process.env.DATABASE_POOL_MAX ?? '16',
    REDIS_KEY_PREFIX: `pt-scanbench-${RUN}`,
    LOG_LEVEL: 'silent',
    WORKERS_IN_PROCESS: 'false',
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    ACCESS_CONTROL_FEED_WAIT_S: String(FEED_WAIT_S),
    // the 64 devices enrol from one address in the set-up: the public rate limit (enrolment) stays on but above that
    RATE_LIMIT_PUBLIC_WRITES_PER_MIN: '1000000',
    BENCH_TRUST_KEYS: JSON.stringify(trust),
  };
  log(`migrating scratch database ${BENCH_DB}`);
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migrate.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const config = loadConfig(env);
  const tlsMaterial = await loadTlsMaterial(config);
  log(`starting ${INSTANCES} API instance(s)`);
  const servers: ChildProcess[] = [];
  const server = { kill: (sig: NodeJS.Signals) => servers.forEach((s) => s.kill(sig)) };
  for (let i = 0; i < INSTANCES; i++) servers.push(await startServer(env, PORT + i));
  const db = new Client({ connectionString: dbUrl(BENCH_DB) });
  await db.connect();
  let result: Record<string, unknown> = {};
  const rows: [string, string][] = [];
  try {
    const agent = new Agent({ connect: { ca: tlsMaterial.ca, servername: 'localhost' }, connections: CLIENTS, keepAliveTimeout: 30_000 });
    const call = async (method: string, p: string, body?: unknown, token?: string, dispatcher: Agent = agent, instance = 0) => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token) headers.authorization = `Bearer ${token}`;
      const r = await request(`https://127.0.0.1:${PORT + (instance % INSTANCES)}${p}`, { method: method as never, headers, body: body === undefined ? undefined : JSON.stringify(body), dispatcher });
      const buf = Buffer.from(await r.body.arrayBuffer());
      const type = String(r.headers['content-type'] ?? '');
      return { status: r.statusCode, body: type.includes('json') && buf.length ? JSON.parse(buf.toString()) : null, bytes: buf.length };
    };

    // ---- setup ----------------------------------------------------------------------------------------------------
    const adminToken = (await call('POST', '/auth/login', ADMIN)).body.token;
    const org = await call('POST', '/organizations', { kind: 'organizer', name: `Scan bench ${RUN}` }, adminToken);
    const pw = 'bench-organizer-password-0123';
    await call('POST', '/users', { organizationId: org.body.id, email: `scan-${RUN}@bench.local`, displayName: 'bench', password: pw, roles: ['organizer-admin'] }, adminToken);
    const token = (await call('POST', '/auth/login', { email: `scan-${RUN}@bench.local`, password: pw })).body.token;
    const gates: Record<string, string[]> = {};
    for (const id of Object.values(ev)) {
      const r = await call('PUT', `/access-control/events/${id}`, { reentryPolicy: 'single' }, token);
      if (r.status !== 200) throw new Error(`configure event: ${r.status} ${JSON.stringify(r.body)}`);
      gates[id] = [];
      for (const name of ['North', 'South']) gates[id].push((await call('POST', `/access-control/events/${id}/gates`, { name }, token)).body.id);
    }
    const enrol = async (eventId: string, name: string, gateId: string) => {
      const d = await call('POST', '/access-control/devices', { name, eventIds: [eventId], gateIds: [gateId] }, token);
      return (await call('POST', '/access-control/scanner/enrol', { code: d.body.enrolmentCode })).body.token as string;
    };
    const devices: { token: string; gate: string }[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const gate = gates[ev.big][c % 2];
      devices.push({ token: await enrol(ev.big, `scanner ${c}`, gate), gate });
    }
    // Registry and revocations as the Sales/Ticketing events would have left them (bulk SQL instead of 20k events).
    const seedTickets = async (eventId: string, n: number) => {
      const ids = Array.from({ length: n }, () => randomUUID());
      await db.query(
        `insert into access_control.ticket (ticket_id, event_id, organizer_id, order_id, channel, kind, category_id, sold_at)
         select t, $1, $2, gen_random_uuid(), 'online', 'ga', 'standing', now() from unnest($3::uuid[]) as t`,
        [eventId, org.body.id, ids],
      );
      return ids;
    };
    const revoke = (eventId: string, ids: string[]) =>
      db.query(
        `insert into access_control.revocation (event_id, organizer_id, ticket_id, issue, reason, source, revoked_at)
         select $1, $2, t, null, 'bench', 'sales', now() from unnest($3::uuid[]) as t`,
        [eventId, org.body.id, ids],
      );
    const bigIds = await seedTickets(ev.big, 10_000);
    const revokedIds = bigIds.slice(0, 500);
    await revoke(ev.big, revokedIds);
    for (const [id, n] of [[ev.e300, 300], [ev.e10000, 10_000]] as const) await revoke(id, (await seedTickets(id, n)).slice(0, 5));
    const revokedCodes = revokedIds.map((id) => key.barcode(ev.big, id));
    const valid = bigIds.slice(500).map((id) => ({ id, code: key.barcode(ev.big, id) }));
    const forged = Array.from({ length: 500 }, () => forger.barcode(ev.big));
    log(`setup done: 10,000 tickets (500 revoked), ${CLIENTS} devices; scanning for ${SECONDS} s`);

    // ---- load -----------------------------------------------------------------------------------------------------
    let next = 0;
    const dispatched: typeof valid = [];
    const admittedByClient = new Map<string, number>();
    const counts: Record<string, number> = {};
    const mismatches: string[] = [];
    let errors = 0;
    const errorKinds: Record<string, number> = {};
    const lat: number[] = [];
    const deadline = Date.now() + SECONDS * 1000;
    let seq = 0;
    const lean = devices.map((_, c) => new LeanHttpsConnection('127.0.0.1', PORT + (c % INSTANCES), tlsMaterial.ca!));
    const scanCall = async (c: number, body: object, token: string) => {
      if (DRIVER === 'undici') return call('POST', '/access-control/scanner/scans', body, token, agent, c);
      const r = await lean[c].request('POST', '/access-control/scanner/scans', { 'content-type': 'application/json', authorization: `Bearer ${token}` }, JSON.stringify(body));
      return { status: r.status, body: r.contentType.includes('json') && r.body.length ? JSON.parse(r.body.toString()) : null, bytes: r.body.length };
    };
    const client = async (c: number) => {
      const dev = devices[c];
      while (Date.now() < deadline) {
        const r = Math.random();
        let code: string;
        let expect: string[];
        let ticket: string | null = null;
        if ((r < 0.7 || dispatched.length === 0) && next < valid.length) {
          const v = valid[next++];
          dispatched.push(v);
          code = v.code;
          ticket = v.id;
          expect = ['admitted', 'already-inside'];
        } else if (r < 0.85 || next >= valid.length) {
          const v = dispatched[Math.floor(Math.random() * dispatched.length)];
          code = v.code;
          ticket = v.id;
          expect = ['admitted', 'already-inside'];
        } else if (r < 0.95) {
          code = forged[Math.floor(Math.random() * forged.length)];
          expect = ['forged'];
        } else {
          code = revokedCodes[Math.floor(Math.random() * revokedCodes.length)];
          expect = ['revoked'];
        }
        const t0 = performance.now();
        try {
          const res = await scanCall(c, { barcode: code, gateId: dev.gate, direction: 'in', scanId: `b${c}-${++seq}`, deviceTime: new Date().toISOString() }, dev.token);
          lat.push(performance.now() - t0);
          if (res.status !== 200) {
            errors++;
            errorKinds[`HTTP ${res.status} ${res.body?.code ?? ''}`] = (errorKinds[`HTTP ${res.status} ${res.body?.code ?? ''}`] ?? 0) + 1;
            continue;
          }
          const v = res.body.verdict as string;
          counts[v] = (counts[v] ?? 0) + 1;
          if (!expect.includes(v)) mismatches.push(`${v} (expected ${expect.join('/')})`);
          if (v === 'admitted' && ticket) admittedByClient.set(ticket, (admittedByClient.get(ticket) ?? 0) + 1);
        } catch (e) {
          errors++;
          const k = (e as Error).constructor.name;
          errorKinds[k] = (errorKinds[k] ?? 0) + 1;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const elapsedS = (performance.now() - started) / 1000;
    lean.forEach((l) => l.close());
    const scans = lat.length;
    // server CPU per scan (all instances): each instance reports its CPU time since its first scan request
    const stats = await Promise.all(
      servers.map(
        (srv) =>
          new Promise<{ scans: number; cpuMs: number }>((resolve) => {
            const onData = (d: Buffer) => {
              const m = /STATS (\{.*\})/.exec(d.toString());
              if (m) {
                srv.stdout!.off('data', onData);
                resolve(JSON.parse(m[1]));
              }
            };
            srv.stdout!.on('data', onData);
            srv.stdin!.write('stats\n');
          }),
      ),
    );
    const serverCpuMsPerScan = stats.reduce((a, x) => a + x.cpuMs, 0) / Math.max(1, stats.reduce((a, x) => a + x.scans, 0));
    const dbTwice = await db.query(
      `select count(*)::int as n from (select ticket_id from access_control.scan where event_id = $1 and server_verdict = 'admitted'
         group by ticket_id having count(*) > 1) x`,
      [ev.big],
    );
    const clientTwice = [...admittedByClient.values()].filter((n) => n > 1).length;
    const doubleAdmissions = dbTwice.rows[0].n + clientTwice;
    lat.sort((a, b) => a - b);
    log(`load done: ${scans} scans in ${elapsedS.toFixed(1)} s`);

    // ---- data: offline packages -------------------------------------------------------------------------------------
    const agent2 = new Agent({ connect: { ca: tlsMaterial.ca, servername: 'localhost' } });
    const pkgBytes = async (eventId: string) => {
      const t = await enrol(eventId, 'offline', gates[eventId][0]);
      const r = await call('GET', `/access-control/scanner/events/${eventId}/package`, undefined, t, agent2);
      if (r.status !== 200) throw new Error(`package ${r.status}`);
      return r.bytes;
    };
    const offline300 = await pkgBytes(ev.e300);
    const offline10000 = await pkgBytes(ev.e10000);

    // ---- data: one online scanner, a compressed hour, 300 tickets through two gates --------------------------------
    const wire = { in: 0, out: 0, sockets: [] as net.Socket[] };
    const countingAgent = () => new Agent({
      connect: (opts, cb) => {
        const tcp = net.connect({ host: String(opts.hostname), port: Number(opts.port) });
        wire.sockets.push(tcp);
        const s = tls.connect({ socket: tcp, ca: tlsMaterial.ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
        s.once('secureConnect', () => cb(null, s));
        s.once('error', (e) => cb(e, null));
      },
      connections: 1,
      keepAliveTimeout: 600_000,
    });
    const counting = countingAgent(); // scans + package
    const streaming = countingAgent(); // the SSE connection
    const hourA = await enrol(ev.hour, 'hour North (measured)', gates[ev.hour][0]);
    const hourB = await enrol(ev.hour, 'hour South', gates[ev.hour][1]);
    const hourTickets = Array.from({ length: 300 }, () => key.barcode(ev.hour));
    // the online scanner loads its keys/rules once (for local decisions) and keeps the SSE feed open
    await call('GET', `/access-control/scanner/events/${ev.hour}/package`, undefined, hourA, counting);
    const sse = await request(`https://127.0.0.1:${PORT}/access-control/scanner/events/${ev.hour}/feed/stream?cursor=0`, {
      headers: { authorization: `Bearer ${hourA}` },
      dispatcher: streaming,
    });
    let feedItems = 0;
    const feedDone = (async () => {
      let buf = '';
      for await (const chunk of sse.body) {
        buf += chunk.toString();
        const parts = buf.split('\n\n');
        buf = parts.pop()!;
        for (const p of parts) {
          const d = p.split('\n').find((l) => l.startsWith('data:'));
          if (d) feedItems += (JSON.parse(d.slice(5)) as unknown[]).length;
        }
        if (feedItems >= 150) break;
      }
    })();
    const hourStart = Date.now();
    let hourDouble = 0;
    for (let i = 0; i < 150; i++) {
      // the measured scanner is enrolled for one gate: gate, direction and device time may be omitted (lean request)
      const a = await call('POST', '/access-control/scanner/scans', { barcode: hourTickets[2 * i], scanId: `h-${i}` }, hourA, counting);
      const b = await call('POST', '/access-control/scanner/scans', { barcode: hourTickets[2 * i + 1], gateId: gates[ev.hour][1], direction: 'in', scanId: `h-${i}`, deviceTime: new Date().toISOString() }, hourB, agent2);
      if (a.body.verdict !== 'admitted' || b.body.verdict !== 'admitted') hourDouble++;
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.race([feedDone, new Promise((r) => setTimeout(r, 10_000))]);
    const hourMs = Date.now() - hourStart;
    sse.body.destroy();
    await counting.close();
    await streaming.close().catch(() => undefined);
    await agent2.close();
    await agent.close();
    for (const s of wire.sockets) {
      wire.in += s.bytesRead;
      wire.out += s.bytesWritten;
    }
    const [scanSock, sseSock] = wire.sockets;
    log(`wire: scans+package connection ${scanSock.bytesWritten} out / ${scanSock.bytesRead} in; SSE connection ${sseSock?.bytesWritten} out / ${sseSock?.bytesRead} in`);
    // A real hour holds the stream open longer: one heartbeat comment (":\n\n" in a TLS record, 25 bytes) per 55 s.
    const heartbeatBytes = Math.ceil(3600 / FEED_WAIT_S) * 25;
    const onlineBytesHour = wire.in + wire.out + heartbeatBytes;
    log(`hour simulation: ${hourMs} ms, feed items seen ${feedItems}, wire ${wire.out} B out / ${wire.in} B in`);

    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await db.end();
    if (args.includes('--keep-db')) log(`kept ${BENCH_DB}`);
    else await admin(`drop database if exists "${BENCH_DB}" with (force)`);

    // ---- pgbench baseline -----------------------------------------------------------------------------------------
    log(`pgbench baseline on ${PGBENCH_DB}`);
    await admin(`create database "${PGBENCH_DB}"`);
    const pgUrl = new URL(dbUrl(PGBENCH_DB));
    const pgArgs = ['-h', pgUrl.hostname, '-p', pgUrl.port || '5432', '-U', decodeURIComponent(pgUrl.username || 'postgres')];
    execFileSync('pgbench', [...pgArgs, '-i', '-q', '-s', '10', PGBENCH_DB], { stdio: ['ignore', 'ignore', 'ignore'] });
    const out = execFileSync('pgbench', [...pgArgs, '-N', '-c', '32', '-j', '2', '-T', String(PGBENCH_SECONDS), PGBENCH_DB], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    await admin(`drop database if exists "${PGBENCH_DB}" with (force)`);
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0);

    const scansPerS = scans / elapsedS;
    result = {
      instances: INSTANCES,
      clients: CLIENTS,
      driver: DRIVER,
      duration_s: +elapsedS.toFixed(2),
      scans,
      errors,
      verdicts: counts,
      unexpected_verdicts: mismatches.length,
      scans_per_s: +scansPerS.toFixed(1),
      p50_ms: +percentile(lat, 50).toFixed(2),
      p99_ms: +percentile(lat, 99).toFixed(2),
      server_cpu_ms_per_scan: +serverCpuMsPerScan.toFixed(3),
      load_avg_1m: +os.loadavg()[0].toFixed(1),
      pgbench_tps: +tps.toFixed(1),
      ratio: +(tps ? scansPerS / tps : 0).toFixed(3),
      offline_bytes_300: offline300,
      offline_bytes_10000: offline10000,
      online_bytes_hour_300: onlineBytesHour,
      online_wire_out: wire.out,
      online_wire_in: wire.in,
      online_feed_items: feedItems,
      double_admissions: doubleAdmissions + hourDouble,
    };
    rows.push(
      ['clients (one enrolled device each)', `${CLIENTS} (${DRIVER} HTTPS client)`],
      ['duration', `${result.duration_s} s`],
      ['API instances', `${INSTANCES}`],
      ['scans', `${scans} (${result.scans_per_s}/s), errors ${errors}${errors ? ` ${JSON.stringify(errorKinds)}` : ''}`],
      ['verdicts', Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')],
      ['unexpected verdicts', `${mismatches.length}${mismatches.length ? ` e.g. ${mismatches[0]}` : ''}`],
      ['latency p50 / p99', `${result.p50_ms} ms / ${result.p99_ms} ms`],
      ['API CPU per scan (user+system)', `${result.server_cpu_ms_per_scan} ms`],
      ['machine load average (1 min, 2 cores)', `${result.load_avg_1m}`],
      ['pgbench -N -c 32 -j 2 TPS', `${result.pgbench_tps}`],
      ['ratio scans/s ÷ pgbench TPS', `${result.ratio}`],
      ['offline package, 300 / 10,000 tickets', `${offline300} B / ${offline10000} B`],
      ['online scanner, hour of 300 entries', `${onlineBytesHour} B (out ${wire.out}, in ${wire.in}, heartbeats ${heartbeatBytes})`],
      ['double admissions', `${result.double_admissions}`],
    );
  } catch (e) {
    server.kill('SIGTERM');
    await db.end().catch(() => undefined);
    await admin(`drop database if exists "${BENCH_DB}" with (force)`).catch(() => undefined);
    throw e;
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stderr.write(`\n${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
