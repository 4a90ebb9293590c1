import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestApp } from '../../support/app-harness';
import { camt053, xmllint } from '../../fixtures/escrow/camt053';
import { escrowOrder, SalesSimulator, sql, uploadStatement } from './escrow-test-kit';

/** xmllint --noout (well-formedness only: there is no pain.008 XSD on this machine). */
function wellFormed(xml: string): void {
  const bin = execFileSync('bash', [path.resolve(__dirname, '../../../scripts/services/xmllint.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'escrow-pain008-')), 'doc.xml');
  writeFileSync(file, xml);
  execFileSync(bin, ['--noout', file], { stdio: ['ignore', 'pipe', 'pipe'] }); // throws when not well-formed
}
const all = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
const euros = (minor: bigint) => `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;

describe('escrow: SEPA direct-debit collection of presale-office settlements (pain.008.001.08, real HTTPS)', () => {
  let t: TestApp;
  let sales: SalesSimulator;
  let admin: string;
  const today = new Date().toISOString().slice(0, 10);
  beforeAll(async () => {
    t = await TestApp.start();
    sales = new SalesSimulator(t);
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  async function counterSales(organizerId: string, officeId: string, prices: number[]) {
    const o = sales.order({ organizerId, prices, channel: 'presale-office', officeId });
    await sales.placed(o, true);
    await sales.paidAtCounter(o);
    await escrowOrder(t, o.orderId, 'paid');
  }
  const settle = (officeId: string) => t.post('/escrow/settlements', { officeId, periodFrom: today, periodTo: today }, admin);
  const mandate = (officeId: string, body: Record<string, unknown>, token = admin) => t.request('PUT', `/escrow/offices/${officeId}/sepa-mandate`, { token, body });

  it('mandateInput_badIbanMissingFieldsFutureDateOrNonAdmin_isRefusedWithEscrowCodes', async () => {
    const office = await t.createTenant('presale-office', ['presale-clerk']);
    const good = { mandateId: 'PT-M-BAD-1', signedOn: '2026-11-01', debtorName: 'VVK Test GmbH', debtorIban: 'DE89370400440532013000' };

    const missing = await mandate(office.organizationId, { debtorName: 'VVK Test GmbH' });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('ESCROW.MANDATE_FIELD_MISSING');

    const badChecksum = await mandate(office.organizationId, { ...good, debtorIban: 'DE89370400440532013001' });
    expect(badChecksum.status).toBe(422);
    expect(badChecksum.body.code).toBe('ESCROW.IBAN_INVALID');
    const badFormat = await mandate(office.organizationId, { ...good, debtorIban: 'not an iban' });
    expect(badFormat.status).toBe(422);
    expect(badFormat.body.code).toBe('ESCROW.IBAN_INVALID');

    const future = await mandate(office.organizationId, { ...good, signedOn: '2999-01-01' });
    expect(future.status).toBe(400);
    expect(future.body.code).toBe('ESCROW.MANDATE_INVALID');
    const badDate = await mandate(office.organizationId, { ...good, signedOn: '2026-02-30' });
    expect(badDate.status).toBe(400);
    expect(badDate.body.code).toBe('ESCROW.MANDATE_INVALID');
    const badId = await mandate(office.organizationId, { ...good, mandateId: 'has spaces in it' });
    expect(badId.status).toBe(400);
    expect(badId.body.code).toBe('ESCROW.MANDATE_INVALID');

    expect((await mandate(office.organizationId, good, office.token)).status).toBe(403);
    // nothing was stored by the refused requests
    expect((await t.get(`/escrow/offices/${office.organizationId}/sepa-mandate`, admin)).status).toBe(404);

    const ok = await mandate(office.organizationId, { ...good, debtorIban: 'de89 3704 0044 0532 0130 00' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ mandateId: 'PT-M-BAD-1', debtorIban: 'DE89370400440532013000', usedBefore: false });
  });

  it('collectionRun_directDebitSettlementsOnly_FRSTthenRCUR_atMostOnce_andTheCollectionIsMatchedByItsRf', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const withMandate = await t.createTenant('presale-office', ['presale-clerk']);
    const noMandate = await t.createTenant('presale-office', ['presale-clerk']);
    const m = await mandate(withMandate.organizationId, { mandateId: 'PT-MANDATE-0001', signedOn: '2026-10-15', debtorName: 'Vorverkauf Süd & Co', debtorIban: 'DE89370400440532013000', debtorBic: 'COBADEFFXXX' });
    expect(m.status).toBe(200);

    await counterSales(org.organizationId, withMandate.organizationId, [4500, 2000]);
    await counterSales(org.organizationId, noMandate.organizationId, [3000]);
    const s1 = await settle(withMandate.organizationId);
    const sNo = await settle(noMandate.organizationId);
    expect(s1.status).toBe(201);
    expect(s1.body).toMatchObject({ collectionMethod: 'direct-debit', collectionRunId: null, status: 'open' });
    expect(sNo.body).toMatchObject({ collectionMethod: 'transfer' });

    // first run: only the mandate office's settlement, sequence FRST
    const r1 = await t.post('/escrow/collection-runs', {}, admin);
    expect(r1.status).toBe(201);
    const ids1 = r1.body.settlements.map((s: any) => s.settlementId);
    expect(ids1).toContain(s1.body.id);
    expect(ids1).not.toContain(sNo.body.id);
    const xml1: string = r1.body.xml;
    wellFormed(xml1);
    expect(xml1).toContain('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"');
    const total1 = r1.body.settlements.reduce((a: bigint, s: any) => a + BigInt(s.amount), 0n);
    expect(r1.body).toMatchObject({ count: ids1.length, total: total1.toString() });
    expect(all(xml1, 'NbOfTxs')[0]).toBe(String(ids1.length));
    expect(all(xml1, 'CtrlSum')[0]).toBe(euros(total1));
    expect(xml1.match(/<DrctDbtTxInf>/g)).toHaveLength(ids1.length);
    const mine1 = r1.body.settlements.find((s: any) => s.settlementId === s1.body.id);
    expect(mine1).toMatchObject({ amount: s1.body.due, sequenceType: 'FRST', mandateId: 'PT-MANDATE-0001', endToEndId: s1.body.paymentReference });
    const tx1 = xml1.split('<DrctDbtTxInf>').find((b) => b.includes(`<EndToEndId>${s1.body.paymentReference}</EndToEndId>`))!;
    expect(tx1).toContain(`<InstdAmt Ccy="EUR">${euros(BigInt(s1.body.due))}</InstdAmt>`);
    expect(tx1).toContain('<MndtId>PT-MANDATE-0001</MndtId><DtOfSgntr>2026-10-15</DtOfSgntr>');
    expect(tx1).toContain('<IBAN>DE89370400440532013000</IBAN>');
    expect(tx1).toContain('<Nm>Vorverkauf Sud Co</Nm>'); // SEPA character set: "ü" folded, "&" dropped
    expect(tx1).toContain(s1.body.paymentReferencePrinted);
    expect(xml1).toContain('<SeqTp>FRST</SeqTp>');
    expect(xml1).toContain('<LclInstrm><Cd>CORE</Cd></LclInstrm>');
    expect(xml1).toContain('<Id>DE98ZZZ09999999999</Id>');
    expect(xml1).toContain('<PmtMtd>DD</PmtMtd>');
    expect(xml1).toContain('<BtchBookg>false</BtchBookg>'); // one statement line per settlement, so each is matched
    expect((await t.get(`/escrow/settlements/${s1.body.id}`, admin)).body).toMatchObject({ collectionRunId: r1.body.runId, status: 'open' });
    expect((await t.get(`/escrow/offices/${withMandate.organizationId}/sepa-mandate`, admin)).body).toMatchObject({ usedBefore: true });
    const stored = await t.get(`/escrow/collection-runs/${r1.body.runId}/pain.008.xml`, admin);
    expect(stored.status).toBe(200);
    expect(stored.text).toBe(xml1);

    // second run: nothing new
    const r2 = await t.post('/escrow/collection-runs', {}, admin);
    expect(r2.status).toBe(201);
    expect(r2.body).toMatchObject({ runId: null, count: 0, xml: null });

    // the next settlement of the same mandate is recurrent
    await counterSales(org.organizationId, withMandate.organizationId, [1500]);
    const s2 = await settle(withMandate.organizationId);
    expect(s2.body).toMatchObject({ collectionMethod: 'direct-debit' });
    const r3 = await t.post('/escrow/collection-runs', {}, admin);
    expect(r3.body.settlements.map((s: any) => s.settlementId)).toEqual([s2.body.id]);
    expect(r3.body.settlements[0]).toMatchObject({ sequenceType: 'RCUR', amount: s2.body.due });
    wellFormed(r3.body.xml);
    expect(r3.body.xml).toContain('<SeqTp>RCUR</SeqTp>');
    expect(r3.body.xml).not.toContain('<SeqTp>FRST</SeqTp>');
    expect(all(r3.body.xml, 'NbOfTxs')).toEqual(['1', '1']);
    expect(all(r3.body.xml, 'CtrlSum')).toEqual([euros(BigInt(s2.body.due)), euros(BigInt(s2.body.due))]);

    // the database refuses to collect a settlement a second time, whatever the code does
    await expect(sql(t, `update escrow.settlement set collection_run_id = ? where id = ?`, [r3.body.runId, s1.body.id])).rejects.toThrow(/already collected/);

    // the office without a mandate never shows up in a run
    expect((await t.get(`/escrow/settlements/${sNo.body.id}`, admin)).body).toMatchObject({ collectionMethod: 'transfer', collectionRunId: null });

    // the collected money arrives on the statement with the file's EndToEndId and remittance (which carries the
    // settlement's RF): the existing matcher books it like the office's own transfer
    const ustrd = all(tx1, 'Ustrd')[0];
    expect(ustrd).toContain(s1.body.paymentReferencePrinted);
    const before = (await t.get('/escrow/my/office-balance', withMandate.token)).body;
    const { result } = await uploadStatement(
      t,
      admin,
      camt053({ msgId: `DD-${s1.body.id.slice(0, 8)}`, entries: [{ amount: euros(BigInt(s1.body.due)), endToEndId: s1.body.paymentReference, ustrd: [ustrd], bankRef: `DD-${s1.body.id.slice(0, 20)}` }] }),
    );
    expect(result.result).toMatchObject({ matched: 1, review: 0 });
    expect((await t.get(`/escrow/settlements/${s1.body.id}`, admin)).body).toMatchObject({ status: 'paid', received: s1.body.due });
    const after = (await t.get('/escrow/my/office-balance', withMandate.token)).body;
    expect(BigInt(before.receivable) - BigInt(after.receivable)).toBe(BigInt(s1.body.due));
  });

  it('returnedDirectDebit_reopensTheSettlementOnce_theOfficeOwesAgain_andATransferThenPaysIt', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const office = await t.createTenant('presale-office', ['presale-clerk']);
    expect((await mandate(office.organizationId, { mandateId: 'PT-RETURN-1', signedOn: '2026-11-02', debtorName: 'VVK Nord', debtorIban: 'DE89370400440532013000' })).status).toBe(200);
    await counterSales(org.organizationId, office.organizationId, [3900, 2100]);
    const s = (await settle(office.organizationId)).body;
    const run = await t.post('/escrow/collection-runs', {}, admin);
    expect(run.body.settlements.map((x: any) => x.settlementId)).toContain(s.id);
    const due = BigInt(s.due);
    const tag = s.id.slice(0, 8);
    const receivable = async () => BigInt((await t.get('/escrow/my/office-balance', office.token)).body.receivable);

    // the collection arrives (matched, settlement paid) …
    const collected = camt053({ msgId: `DDC-${tag}`, entries: [{ amount: euros(due), endToEndId: s.paymentReference, ustrd: [s.paymentReferencePrinted], bankRef: `DDC-${tag}` }] });
    expect((await uploadStatement(t, admin, collected)).result.result).toMatchObject({ matched: 1, returned: 0 });
    expect((await t.get(`/escrow/settlements/${s.id}`, admin)).body).toMatchObject({ status: 'paid', received: s.due });
    const afterCollection = await receivable();

    // … and comes back days later: the debtor's bank returns the debit (AM04 insufficient funds), same EndToEndId
    const returned = camt053({
      msgId: `DDR-${tag}`,
      entries: [{ amount: euros(due), direction: 'DBIT', endToEndId: s.paymentReference, returnReason: 'AM04', bankRef: `DDR-${tag}`, partyName: 'VVK Nord' }],
    });
    expect(xmllint(returned, 'camt.053.001.08')).toMatch(/validates/);
    expect((await uploadStatement(t, admin, returned)).result.result).toMatchObject({ returned: 1, returnsApplied: 1, matched: 0, review: 0, outgoing: 0 });
    expect((await t.get(`/escrow/settlements/${s.id}`, admin)).body).toMatchObject({ status: 'open', received: '0' });
    expect((await receivable()) - afterCollection).toBe(due);
    expect((await t.get('/escrow/trial-balance', admin)).body).toMatchObject({ balanced: true, unbalancedEntries: 0 });
    const rec = await t.get('/escrow/reconciliation', admin);
    expect(rec.body.returns.find((x: any) => x.settlementId === s.id)).toMatchObject({ direction: 'debit', amount: s.due, returnReason: 'AM04', booked: true });
    expect(rec.body.unexplainedDebits.map((x: any) => x.endToEndId)).not.toContain(s.paymentReference);

    // the same return again — the identical file, or inside an overlapping statement — reopens nothing twice
    expect((await uploadStatement(t, admin, returned)).result.result).toMatchObject({ duplicateFile: true });
    const overlapping = camt053({
      msgId: `DDR2-${tag}`,
      entries: [{ amount: euros(due), direction: 'DBIT', endToEndId: s.paymentReference, returnReason: 'AM04', bankRef: `DDR-${tag}`, partyName: 'VVK Nord' }],
    });
    expect((await uploadStatement(t, admin, overlapping)).result.result).toMatchObject({ alreadyImported: 1, returned: 0, returnsApplied: 0 });
    expect((await t.get(`/escrow/settlements/${s.id}`, admin)).body).toMatchObject({ status: 'open', received: '0' });
    expect((await receivable()) - afterCollection).toBe(due);

    // the office then pays by transfer with the settlement's reference: matched, paid, receivable back where it was
    const transfer = camt053({ msgId: `DDT-${tag}`, entries: [{ amount: euros(due), ustrd: [`Abrechnung ${s.paymentReferencePrinted}`], bankRef: `DDT-${tag}` }] });
    expect((await uploadStatement(t, admin, transfer)).result.result).toMatchObject({ matched: 1, review: 0 });
    expect((await t.get(`/escrow/settlements/${s.id}`, admin)).body).toMatchObject({ status: 'paid', received: s.due });
    expect(await receivable()).toBe(afterCollection);
    expect((await t.get('/escrow/trial-balance', admin)).body.balanced).toBe(true);
  });

  it('collectionAndItsReturnInOneStatement_leaveTheSettlementOpen', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const office = await t.createTenant('presale-office', ['presale-clerk']);
    expect((await mandate(office.organizationId, { mandateId: 'PT-RETURN-2', signedOn: '2026-11-03', debtorName: 'VVK West', debtorIban: 'DE89370400440532013000' })).status).toBe(200);
    await counterSales(org.organizationId, office.organizationId, [1800]);
    const s = (await settle(office.organizationId)).body;
    expect((await t.post('/escrow/collection-runs', {}, admin)).body.settlements.map((x: any) => x.settlementId)).toContain(s.id);
    const before = BigInt((await t.get('/escrow/my/office-balance', office.token)).body.receivable);
    const amount = euros(BigInt(s.due));
    const tag = s.id.slice(0, 8);
    const both = camt053({
      msgId: `DDB-${tag}`,
      entries: [
        // the return is listed first: the order inside a file must not matter
        { amount, direction: 'DBIT', endToEndId: s.paymentReference, returnReason: 'MD06', bankRef: `DDBR-${tag}` },
        { amount, endToEndId: s.paymentReference, ustrd: [s.paymentReferencePrinted], bankRef: `DDBC-${tag}` },
      ],
    });
    expect((await uploadStatement(t, admin, both)).result.result).toMatchObject({ matched: 1, returned: 1, returnsApplied: 1 });
    expect((await t.get(`/escrow/settlements/${s.id}`, admin)).body).toMatchObject({ status: 'open', received: '0' });
    expect(BigInt((await t.get('/escrow/my/office-balance', office.token)).body.receivable)).toBe(before);
    expect((await t.get('/escrow/trial-balance', admin)).body.balanced).toBe(true);
  });

  it('concurrentCollectionRuns_eachSettlementIsCollectedExactlyOnce', async () => {
    const org = await t.createTenant('organizer', ['organizer-admin']);
    const offices = [await t.createTenant('presale-office', ['presale-clerk']), await t.createTenant('presale-office', ['presale-clerk'])];
    const settlementIds: string[] = [];
    for (const [i, office] of offices.entries()) {
      expect((await mandate(office.organizationId, { mandateId: `PT-CONC-${i}`, signedOn: '2026-11-20', debtorName: `Office ${i}`, debtorIban: 'GB82WEST12345698765432' })).status).toBe(200);
      await counterSales(org.organizationId, office.organizationId, [2500 + i * 100]);
      settlementIds.push((await settle(office.organizationId)).body.id);
    }
    const runs = await Promise.all([t.post('/escrow/collection-runs', {}, admin), t.post('/escrow/collection-runs', {}, admin)]);
    expect(runs.map((r) => r.status)).toEqual([201, 201]);
    const collected = runs.flatMap((r) => r.body.settlements.map((s: any) => s.settlementId)).filter((id: string) => settlementIds.includes(id));
    expect(collected.sort()).toEqual([...settlementIds].sort()); // each one in exactly one run
    for (const r of runs.filter((r) => r.body.xml)) wellFormed(r.body.xml);
  });
});
