import { randomToken, randomTokens } from './ids';

describe('random tokens', () => {
  it('randomTokens_givesCountDistinctTokensOfTheRequestedSize', () => {
    const tokens = randomTokens(200, 24);
    expect(tokens).toHaveLength(200);
    expect(new Set(tokens).size).toBe(200);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 bytes → 32 base64url characters
      expect(Buffer.from(t, 'base64url')).toHaveLength(24);
    }
    expect(randomTokens(0)).toEqual([]);
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('randomTokens_neverHandsOutTheSameBytesTwice_acrossPoolRefills', () => {
    // many small batches cross the 8 KiB pool's refills many times; a reused or overwritten slice would repeat a token
    const seen = new Set<string>();
    let total = 0;
    for (let i = 0; i < 3000; i++) {
      const batch = randomTokens(1 + (i % 7), 24);
      total += batch.length;
      for (const t of batch) seen.add(t);
    }
    expect(seen.size).toBe(total);
    // a batch larger than the pool is served directly and is just as distinct
    const big = randomTokens(400, 24);
    expect(new Set(big).size).toBe(400);
    expect(big.every((t) => Buffer.from(t, 'base64url').length === 24)).toBe(true);
  });

  it('randomTokens_tokensHandedOutEarlierStayTheSame_afterLaterCalls', () => {
    const first = randomTokens(3, 24);
    const copy = [...first];
    for (let i = 0; i < 1000; i++) randomTokens(5, 24); // several refills later
    expect(first).toEqual(copy);
  });
});
