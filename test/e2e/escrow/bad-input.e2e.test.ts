import { createIsolatedDatabase, TestApp, uniq } from '../../support/app-harness';
import { camt053, mt940 } from '../../fixtures/escrow/camt053';
import { sql } from './escrow-test-kit';

/**
 * "Nothing is stored" is checked by counting every upload and bank transaction, so the suite has a database and Redis
 * prefix of its own: the other escrow suites upload statements at the same time (a shared count made this flaky).
 */
describe('escrow: bad statement input is a clear 4xx and imports nothing (real HTTPS)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    db = await createIsolatedDatabase();
    t = await TestApp.start({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}-escrow-bad-${uniq()}` });
    admin = await t.adminToken();
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const uploads = async () => (await sql<{ n: number }>(t, `select count(*)::int n from escrow.statement_upload`))[0].n;
  const post = (raw: string | Buffer, type = 'application/xml') => t.request('POST', '/escrow/statements', { raw, token: admin, headers: { 'content-type': type } });

  it('malformedXml_is400_andNothingIsStored', async () => {
    const before = await uploads();
    const r = await post('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt></BkToCstmrStmt></Document>');
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.body.code).toBe('ESCROW.STATEMENT_MALFORMED');
    expect(await uploads()).toBe(before);
  });

  it('wrongNamespace_is400', async () => {
    const r = await post(camt053({ entries: [{ amount: '1.00' }], namespace: 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09' }));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('ESCROW.STATEMENT_WRONG_NAMESPACE');
  });

  it('brokenAmountInOneOfManyEntries_is422_andNoLineIsImported', async () => {
    const before = await sql<{ n: number }>(t, `select count(*)::int n from escrow.bank_transaction`);
    const r = await post(camt053({ entries: [{ amount: '10.00', bankRef: 'OK-1' }, { amount: '1.234' }] }));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('ESCROW.STATEMENT_INVALID');
    expect((await sql<{ n: number }>(t, `select count(*)::int n from escrow.bank_transaction`))[0].n).toBe(before[0].n);
  });

  it('mt940WithBrokenFields_is422WithTheLine', async () => {
    const before = await uploads();
    const bad = mt940({ lines: [{ amount: '45,00', info: 'x' }] }).replace(':61:2612041204C45,00', ':61:2612041204C45.00');
    const r = await post(bad, 'application/octet-stream');
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 'ESCROW.STATEMENT_INVALID', line: 5 });
    const noBalance = await post(mt940({ lines: [] }).replace(':60F:C261203EUR0,00', ':60F:garbage'), 'application/octet-stream');
    expect(noBalance.status).toBe(422);
    expect(await uploads()).toBe(before);
  });

  it('notAStatement_is400_andEmptyBodyIs400', async () => {
    expect((await post('hello world', 'application/octet-stream')).body.code).toBe('ESCROW.STATEMENT_FORMAT_UNKNOWN');
    expect((await post(Buffer.alloc(0), 'application/octet-stream')).status).toBe(400);
    const json = await t.post('/escrow/statements', { some: 'json' }, admin);
    expect(json.status).toBe(400);
  });

  it('a50MbUpload_is413', async () => {
    const before = await uploads();
    const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
    let status: number;
    try {
      status = (await post(big)).status;
    } catch (e) {
      // the server may answer 413 and close before the client finished sending; that is a refusal too
      status = /ECONNRESET|EPIPE|other side closed|SocketError/i.test(String((e as Error)?.message ?? e) + String((e as { cause?: Error }).cause)) ? 413 : 0;
    }
    expect(status).toBe(413);
    expect(await uploads()).toBe(before);
  });
});
