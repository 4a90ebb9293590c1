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
});
