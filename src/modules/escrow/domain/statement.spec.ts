import { isReturn, pairReturns, ReturnedTransfer } from './statement';

const line = (key: string, endToEndId: string, amount: bigint, currency = 'EUR'): ReturnedTransfer => ({ key, endToEndId, amount, currency, returnReason: 'AC04' });
const sent = (end_to_end_id: string, amount_minor: string, currency = 'EUR') => ({ end_to_end_id, amount_minor, currency });

describe('returned transfers (domain/statement)', () => {
  it('pairReturns_pairsOnlyTheExactTransfer_eachAtMostOnce', () => {
    const out = [sent('PO-1', '1000'), sent('RF-2', '2500'), sent('RF-3', '700', 'CHF')];
    const pairs = pairReturns(
      [
        line('a', 'PO-1', 1000n), // exact
        line('b', 'PO-1', 1000n), // the same transfer returned twice in one file: only once
        line('c', 'RF-2', 2400n), // partial: a person decides
        line('d', 'RF-3', 700n), // other currency
        line('e', 'XX-9', 100n), // names nothing we sent
      ],
      out,
    );
    expect(pairs.map((p) => [p.line.key, p.sent.end_to_end_id])).toEqual([['a', 'PO-1']]);
  });

  it('isReturn_isAReversalOrAReturnReason', () => {
    expect(isReturn({ reversal: true, returnReason: null })).toBe(true);
    expect(isReturn({ reversal: false, returnReason: 'MD06' })).toBe(true);
    expect(isReturn({ reversal: false, returnReason: null })).toBe(false);
  });
});
