import { createIsolatedDatabase, TestApp, uniq } from '../../support/app-harness';
import { enrolDevice, setupEvent } from '../access-control/ac-support';

// Several thousand requests over HTTPS; a passing run takes well under a minute.
jest.setTimeout(300_000);

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  op: Schema;
}
interface Attempt {
  what: string;
  path: string;
  raw?: string;
  headers?: Record<string, string>;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** 503 problems that say "not set up yet" (the platform CA / CRL before the first PKI job) — not failures. */
const NOT_READY_CODES = new Set(['PKI.NO_CA', 'PKI.NO_CRL']);
/** Path parameters no route accepts as a real id (the all-zero UUID is well-formed but names nothing). */
const BAD_IDS = ['not-an-id', '0', "'%20or%201=1--", 'x'.repeat(400), '%C0%AF..%2F', '00000000-0000-0000-0000-000000000000'];
const BAD_QUERY_VALUES = ['%ff%fe', '-1', '99999999999999999999999', 'z'.repeat(3000), '[object Object]'];

/** Resolves `$ref`s (components only) and the first member of allOf/oneOf/anyOf, enough to know a body's fields. */
function resolve(doc: Schema, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 8) return s;
  if (s.$ref) return resolve(doc, s.$ref.replace(/^#\//, '').split('/').reduce((o: Schema, k: string) => o?.[k], doc), depth + 1);
  const first = s.allOf?.[0] ?? s.oneOf?.[0] ?? s.anyOf?.[0];
  return first ? resolve(doc, first, depth + 1) : s;
}

/** Each field of the body given a value of the wrong type. */
function typeConfused(doc: Schema, s: Schema | undefined): unknown {
  const props = resolve(doc, s)?.properties ?? {};
  return Object.fromEntries(
    Object.entries(props).map(([k, p]) => {
      const type = resolve(doc, p as Schema)?.type;
      return [k, type === 'string' ? 12345 : type === 'integer' || type === 'number' ? 'NaN?' : type === 'boolean' ? 'yes' : type === 'array' ? { not: 'a list' } : 'not an object'];
    }),
  );
}

/** Each field of the body at an absurd size: 20 kB strings, 50,000-element lists, numbers past 2^53. */
function oversized(doc: Schema, s: Schema | undefined): unknown {
  const props = resolve(doc, s)?.properties ?? {};
  return Object.fromEntries(
    Object.entries(props).map(([k, p]) => {
      const r = resolve(doc, p as Schema);
      if (r?.type === 'array') return [k, Array.from({ length: 50_000 }, () => (resolve(doc, r.items)?.type === 'string' ? 'a' : 1))];
      if (r?.type === 'integer' || r?.type === 'number') return [k, 2 ** 60];
      if (r?.type === 'object') return [k, { deep: { deeper: { deepest: 'x'.repeat(20_000) } } }];
      return [k, 'A'.repeat(20_000)];
    }),
  );
}

const NIL = '00000000-0000-0000-0000-000000000000';

/**
 * A body of the right shape — the documented example, else a plain value of the field's type and format — so the
 * request passes validation and reaches the handler, which must then refuse the ids that name nothing with a 4xx.
 * `edge`: the same shape with the values at their edges (0 → -1, '' for strings, empty lists).
 */
function plausible(doc: Schema, s: Schema | undefined, edge = false, depth = 0): unknown {
  const r = resolve(doc, s);
  if (!r || depth > 6) return null;
  if (r.type === 'object' || r.properties) {
    return Object.fromEntries(Object.entries((r.properties ?? {}) as Record<string, Schema>).map(([k, p]) => [k, plausible(doc, p, edge, depth + 1)]));
  }
  if (r.type === 'array') return edge ? [] : [plausible(doc, r.items, edge, depth + 1)];
  if (r.type === 'integer' || r.type === 'number') return edge ? -1 : (r.example ?? r.minimum ?? 1);
  if (r.type === 'boolean') return !edge;
  if (edge) return '';
  if (r.example !== undefined) return r.example;
  if (r.enum?.length) return r.enum[0];
  if (r.format === 'uuid') return NIL;
  if (r.format === 'date-time') return '2026-12-24T19:00:00.000Z';
  if (r.format === 'date') return '2026-12-24';
  if (r.format === 'email') return 'sweep@example.invalid';
  return 'sweep';
}

function attemptsFor(doc: Schema, { method, path, op }: Operation): Attempt[] {
  const params: Schema[] = (op.parameters ?? []).map((p: Schema) => resolve(doc, p)!);
  const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name as string);
  const queryParams = params.filter((p) => p.in === 'query').map((p) => p.name as string);
  const fill = (id: string) => pathParams.reduce((acc, name) => acc.replace(`{${name}}`, id), path);
  const real = fill(NIL);
  const out: Attempt[] = pathParams.length ? BAD_IDS.map((id) => ({ what: `path id ${id.slice(0, 24)}`, path: fill(id) })) : [{ what: 'as is', path }];
  for (const q of queryParams) for (const v of BAD_QUERY_VALUES) out.push({ what: `query ${q}=${v.slice(0, 24)}`, path: `${real}?${q}=${v}` });
  out.push({ what: 'undeclared query parameter', path: `${real}?__sweep__=1` });
  if (BODY_METHODS.has(method)) {
    const schema = op.requestBody?.content?.['application/json']?.schema;
    const json = (what: string, raw: string): Attempt => ({ what, path: real, raw, headers: { 'content-type': 'application/json' } });
    out.push(
      json('truncated JSON', '{"broken": '),
      json('JSON array', '[]'),
      json('JSON number', '42'),
      json('JSON string', '"text"'),
      json('JSON null', 'null'),
      json('unknown field', JSON.stringify({ __sweep__: { nested: [1, 2, 3] } })),
      json('wrong types', JSON.stringify(typeConfused(doc, schema))),
      json('oversized fields', JSON.stringify(oversized(doc, schema))),
      json('plausible body', JSON.stringify(plausible(doc, schema))),
      json('edge values', JSON.stringify(plausible(doc, schema, true))),
      { what: 'text/plain body', path: real, raw: 'hello', headers: { 'content-type': 'text/plain' } },
    );
  }
  return out;
}

/**
 * Every route the OpenAPI document lists, with garbage in the path ids, the query and the body, as a platform admin,
 * an organizer admin, a presale clerk and an enrolled scanner device: each answer is a 4xx problem (JSON with a
 * stable `code`) or a success, never a 5xx.
 * Own database, own Redis prefix and no workers in the process, so what slips through affects no other suite.
 */
describe('bad-input sweep over the whole API (real HTTPS)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    t = await TestApp.start({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}-sweep-${uniq()}`, WORKERS_IN_PROCESS: 'false' });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('everyDocumentedRoute_withGarbagePathQueryAndBody_answers4xxProblemsAndNever5xx', async () => {
    const doc = (await t.get('/docs/openapi.json')).body as Schema;
    const operations: Operation[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Schema>)) {
      for (const [m, op] of Object.entries(item)) {
        const method = m.toUpperCase();
        if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) continue;
        // streams stay open by design; logging out would end the sweep's own session
        if (/\/stream\b/.test(path) || /\/logout\b/.test(path)) continue;
        operations.push({ method, path, op: op as Schema });
      }
    }
    expect(operations.length).toBeGreaterThan(80);

    const organizer = await t.createTenant('organizer', ['organizer-admin']);
    const office = await t.createTenant('presale-office', ['presale-clerk']);
    const scanner = await enrolDevice(t, await setupEvent(t, new Map()), 'sweep scanner');
    const tokens = { admin: await t.adminToken(), organizer: organizer.token, office: office.token, scanner: scanner.token };
    const failures: string[] = [];
    let sent = 0;
    const jobs = operations.flatMap((o) => attemptsFor(doc, o).flatMap((a) => Object.entries(tokens).map(([who, token]) => ({ o, a, who, token }))));
    const worker = async () => {
      for (let job = jobs.pop(); job; job = jobs.pop()) {
        const { o, a, who, token } = job;
        const r = await t.request(o.method, a.path, { raw: a.raw, token, headers: { 'x-forwarded-for': '198.51.100.23', ...a.headers } });
        sent++;
        const problem = r.status >= 400 && (typeof r.body !== 'object' || typeof (r.body as Schema)?.code !== 'string');
        // this app runs no workers, so the platform CA is never created: its download routes answer 503 by design
        const notReady = r.status === 503 && NOT_READY_CODES.has(String((r.body as Schema)?.code));
        if ((r.status >= 500 && !notReady) || problem) failures.push(`${o.method} ${o.path} [${a.what}] as ${who} → ${r.status} ${r.text.slice(0, 160)}`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(sent).toBeGreaterThan(1000);
    expect(failures).toEqual([]);

    // the app is still healthy afterwards
    expect((await t.get('/health/ready')).status).toBe(200);
  });
});
