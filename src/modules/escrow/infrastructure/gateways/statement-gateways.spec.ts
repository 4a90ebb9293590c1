import { camt053, mt940, xmllint } from '../../../../../test/fixtures/escrow/camt053';
import { paymentReferenceFromSequence, formatCreditorReference } from '../../domain/rf-reference';
import { Camt053Gateway } from './camt053.gateway';
import { Mt940Gateway } from './mt940.gateway';

const ref = paymentReferenceFromSequence(4242);

describe('camt.053 gateway', () => {
  const gw = new Camt053Gateway();

  it('parse_validFixture_yieldsLinesWithRemittanceAndKeys', () => {
    const xml = camt053({
      msgId: 'T1',
      closing: '95.50',
      entries: [
        { amount: '45.00', bankRef: 'B-1', ustrd: [`Tickets ${formatCreditorReference(ref).toLowerCase()}`], partyName: 'Erika', partyIban: 'DE89370400440532013000' },
        { amount: '50.50', strdRef: ref },
        { amount: '10.00', direction: 'DBIT', endToEndId: 'PO-1' },
      ],
    });
    expect(xmllint(xml, 'camt.053.001.08')).toMatch(/validates/);
    const s = gw.parse(Buffer.from(xml));
    expect(s.closingBalance).toBe(9550n);
    expect(s.accountIban).toBe('DE02120300000000202051');
    expect(s.lines.map((l) => [l.direction, l.amount])).toEqual([
      ['credit', 4500n],
      ['credit', 5050n],
      ['debit', 1000n],
    ]);
    expect(s.lines[0].key).toBe('camt:DE02120300000000202051:B-1');
    expect(s.lines[0].counterpartyName).toBe('Erika');
    expect(s.lines[1].structuredReference).toBe(ref);
    expect(s.lines[2].endToEndId).toBe('PO-1');
    // the same content without bank reference gets the same checksum key on a re-parse
    expect(gw.parse(Buffer.from(xml)).lines[1].key).toBe(s.lines[1].key);
    // … and exactly the keys earlier versions gave these lines (computed with the parser before returns were kept),
    // so a statement imported before an upgrade is still recognized and nothing is credited twice
    expect(s.lines[1].key).toBe('camt:sha256:abf2cd4af93fea7ceaeaa11e5e8d70ab8bd16fc72132d83741456f31bcb3aecf');
    expect(s.lines[2].key).toBe('camt:sha256:196db4f34bbad5f72778a9c397f0afd2e035eb2c8adec910f114ce20ed787ada');
  });

  it('parse_reversalsAndReturns_areKeptWithTheirFlags_notDropped', () => {
    const xml = camt053({
      msgId: 'T-RET',
      entries: [
        { amount: '45.00', bankRef: 'B-1', strdRef: ref },
        { amount: '45.00', bankRef: 'B-1', strdRef: ref, direction: 'DBIT', reversal: true },
        { amount: '30.00', bankRef: 'DD-R-1', direction: 'DBIT', endToEndId: ref, returnReason: 'AM04' },
        { amount: '12.00', bankRef: 'PO-R-1', direction: 'CRDT', endToEndId: 'PO-1', returnReason: 'AC04' },
      ],
    });
    expect(xmllint(xml, 'camt.053.001.08')).toMatch(/validates/);
    const lines = gw.parse(Buffer.from(xml)).lines;
    expect(lines.map((l) => [l.direction, l.amount, l.reversal, l.returnReason])).toEqual([
      ['credit', 4500n, false, null],
      ['debit', 4500n, true, null],
      ['debit', 3000n, false, 'AM04'],
      ['credit', 1200n, false, 'AC04'],
    ]);
    // a reversal may carry the bank reference of the booking it takes back: it is still a line of its own
    expect(new Set(lines.map((l) => l.key)).size).toBe(4);
  });

  it('parse_malformedXml_is400Malformed', () => {
    expect(() => gw.parse(Buffer.from('<Document><BkToCstmrStmt></Document>'))).toThrow(expect.objectContaining({ code: 'ESCROW.STATEMENT_MALFORMED', kind: 'validation' }));
  });

  it('parse_wrongNamespace_isRefused', () => {
    const xml = camt053({ entries: [{ amount: '1.00' }], namespace: 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08' });
    expect(() => gw.parse(Buffer.from(xml))).toThrow(expect.objectContaining({ code: 'ESCROW.STATEMENT_WRONG_NAMESPACE' }));
  });

  it('parse_brokenAmount_isRefusedWholeFile', () => {
    const xml = camt053({ entries: [{ amount: '1.00' }, { amount: '12,5O' }] });
    expect(() => gw.parse(Buffer.from(xml))).toThrow(expect.objectContaining({ code: 'ESCROW.STATEMENT_INVALID', kind: 'unprocessable' }));
  });

  it('parse_externalEntity_isNotExpanded', () => {
    const xml = camt053({ entries: [{ amount: '1.00', ustrd: ['x'] }] }).replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>').replace('<Ustrd>x</Ustrd>', '<Ustrd>&x;</Ustrd>');
    let out: unknown;
    try {
      out = gw.parse(Buffer.from(xml)).lines[0].remittance;
    } catch (e) {
      out = (e as { code?: string }).code;
    }
    expect(String(out)).not.toContain('root:');
  });
});

describe('MT940 gateway', () => {
  const gw = new Mt940Gateway();

  it('parse_germanStructured86_joinsRemittanceAcrossSubfields', () => {
    const printed = formatCreditorReference(ref);
    const file = mt940({
      closing: '45,00',
      lines: [{ amount: '45,00', bankRef: 'BK1', info: `166?00GUTSCHRIFT?20${printed.slice(0, 9)}?21${printed.slice(9)}?31DE89370400440532013000?32ERIKA MUSTERMANN` }],
    });
    const s = gw.parse(Buffer.from(file));
    expect(gw.sniff(Buffer.from(file))).toBe(true);
    expect(s.closingBalance).toBe(4500n);
    expect(s.lines).toHaveLength(1);
    expect(s.lines[0]).toMatchObject({ direction: 'credit', amount: 4500n, currency: 'EUR', counterpartyIban: 'DE89370400440532013000', counterpartyName: 'ERIKA MUSTERMANN' });
    expect(s.lines[0].remittance.replace(/\s/g, '')).toContain(ref);
  });

  it('parse_reversalMarks_RCisMoneyOut_RDisMoneyIn_bothFlaggedAndKeyedApart', () => {
    const file = mt940({
      lines: [
        { amount: '45,00', bankRef: 'BK1', info: `166?20${ref}` },
        { mark: 'RC', amount: '45,00', bankRef: 'BK1', info: `166?20${ref}` },
        { mark: 'RD', amount: '12,00', bankRef: 'BK2', info: '166?20PAYOUT RETURNED' },
      ],
    });
    const lines = new Mt940Gateway().parse(Buffer.from(file)).lines;
    expect(lines.map((l) => [l.direction, l.amount, l.reversal])).toEqual([
      ['credit', 4500n, false],
      ['debit', 4500n, true],
      ['credit', 1200n, true],
    ]);
    expect(lines[0].key).not.toBe(lines[1].key);
  });

  it('parse_keysOfOrdinaryLines_areThoseEarlierVersionsGave', () => {
    // computed with the parser before reversals were kept: a statement imported before an upgrade stays known
    const file = mt940({ lines: [{ amount: '45,00', info: '166?20RF18539007547034?32ERIKA MUSTERMANN' }, { amount: '12,00', mark: 'D', bankRef: 'BK9', info: '166?20PAYOUT' }] });
    expect(new Mt940Gateway().parse(Buffer.from(file)).lines.map((l) => l.key)).toEqual([
      'mt940:sha256:79ec87f9c93792a85be4a57c9a9f0775de6144cad04e8a4c10130947d51f1efb',
      'mt940:DE02120300000000202051:2026-12-04:BK9:1200',
    ]);
  });

  it('parse_brokenStatementLine_isRefusedWithLineNumber', () => {
    const file = mt940({ lines: [{ amount: '45,00', info: 'x' }] }).replace(':61:2612041204C45,00', ':61:26XX04C45.00');
    expect(() => gw.parse(Buffer.from(file))).toThrow(expect.objectContaining({ code: 'ESCROW.STATEMENT_INVALID', details: { line: 5 } }));
  });

  it('parse_brokenBalance_isRefused', () => {
    const file = mt940({ lines: [] }).replace(':60F:C261203EUR0,00', ':60F:C2612EUR');
    expect(() => gw.parse(Buffer.from(file))).toThrow(expect.objectContaining({ code: 'ESCROW.STATEMENT_INVALID' }));
  });
});
