import fc from 'fast-check';
import { Money } from './money';

describe('Money', () => {
  it('add_withDifferentCurrencies_isRefused', () => {
    expect(() => Money.of(1, 'EUR').add(Money.of(1, 'CHF'))).toThrow(/MONEY|combine/);
  });

  it('of_withFloat_isRefused', () => {
    expect(() => Money.of(12.5, 'EUR')).toThrow();
  });

  it('toDecimalString_formatsMinorUnits', () => {
    expect(Money.of(1250, 'EUR').toDecimalString()).toBe('12.50');
    expect(Money.of(5, 'EUR').toDecimalString()).toBe('0.05');
    expect(Money.of(-5, 'EUR').toDecimalString()).toBe('-0.05');
  });

  it('fraction_roundsHalfAwayFromZero', () => {
    expect(Money.of(1000, 'EUR').fraction(75, 1000).minor).toBe(75n);
    expect(Money.of(1, 'EUR').fraction(1, 2).minor).toBe(1n);
    expect(Money.of(-1, 'EUR').fraction(1, 2).minor).toBe(-1n);
    expect(Money.of(3, 'EUR').fraction(1, 3).minor).toBe(1n);
  });

  it('addThenSubtract_isIdentity', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (a, b) => {
        const x = Money.of(a, 'EUR');
        const y = Money.of(b, 'EUR');
        return x.add(y).subtract(y).equals(x);
      }),
    );
  });
});
