import { pgArrayLiteral } from './sql';

describe('pgArrayLiteral', () => {
  it('quotesEveryElement_andEscapesQuotesAndBackslashes', () => {
    expect(pgArrayLiteral(['a', 'x"y', 'back\\slash', 'a,b', '{}'])).toBe('{"a","x\\"y","back\\\\slash","a,b","{}"}');
  });
  it('writesNullAsNULL_andTheStringNULLQuoted', () => {
    expect(pgArrayLiteral([null, undefined, 'NULL'])).toBe('{NULL,NULL,"NULL"}');
  });
  it('handlesEmptyNestedNumbersAndDates', () => {
    expect(pgArrayLiteral([])).toBe('{}');
    expect(pgArrayLiteral([[1, 2], [3]])).toBe('{{"1","2"},{"3"}}');
    expect(pgArrayLiteral([new Date('2026-01-02T03:04:05.000Z')])).toBe('{"2026-01-02T03:04:05.000Z"}');
  });
});
