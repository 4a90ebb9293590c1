import { DomainError } from './domain-error';

/** ISO 4217 currencies ProTicket settles in, with their minor-unit exponent. */
const EXPONENT: Record<string, number> = { EUR: 2, CHF: 2, GBP: 2, USD: 2, DKK: 2, SEK: 2, NOK: 2, PLN: 2, CZK: 2, HUF: 2 };

/** Money as integer minor units + ISO currency. No floats anywhere near money. Immutable. */
export class Money {
  private constructor(
    readonly minor: bigint,
    readonly currency: string,
  ) {}

  static of(minor: bigint | number, currency: string): Money {
    if (typeof minor === 'number' && !Number.isSafeInteger(minor)) {
      throw new DomainError('MONEY.NOT_INTEGER', 'money amounts are integer minor units', 'validation');
    }
    if (!(currency in EXPONENT)) {
      throw new DomainError('MONEY.UNKNOWN_CURRENCY', `unsupported currency ${currency}`, 'validation');
    }
    return new Money(BigInt(minor), currency);
  }

  static zero(currency: string): Money {
    return Money.of(0, currency);
  }

  add(o: Money): Money {
    this.same(o);
    return new Money(this.minor + o.minor, this.currency);
  }

  subtract(o: Money): Money {
    this.same(o);
    return new Money(this.minor - o.minor, this.currency);
  }

  times(n: number): Money {
    if (!Number.isSafeInteger(n)) throw new DomainError('MONEY.NOT_INTEGER', 'multiplier must be an integer');
    return new Money(this.minor * BigInt(n), this.currency);
  }

  /** Multiplies by num/den and rounds half away from zero (commercial rounding), e.g. a 7.5 % commission = (75, 1000). */
  fraction(num: number, den: number): Money {
    if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || den <= 0) {
      throw new DomainError('MONEY.BAD_FRACTION', 'fraction needs integer numerator and positive denominator');
    }
    const p = this.minor * BigInt(num);
    const d = BigInt(den);
    const q = p / d;
    const r = p % d;
    const away = (r < 0n ? -r : r) * 2n >= d;
    return new Money(away ? q + (p < 0n ? -1n : 1n) : q, this.currency);
  }

  isNegative(): boolean {
    return this.minor < 0n;
  }

  isZero(): boolean {
    return this.minor === 0n;
  }

  equals(o: Money): boolean {
    return this.currency === o.currency && this.minor === o.minor;
  }

  compare(o: Money): -1 | 0 | 1 {
    this.same(o);
    return this.minor < o.minor ? -1 : this.minor > o.minor ? 1 : 0;
  }

  /** "12.50" for EUR 1250 — for files and documents, never for arithmetic. */
  toDecimalString(): string {
    const e = EXPONENT[this.currency];
    const neg = this.minor < 0n;
    const abs = (neg ? -this.minor : this.minor).toString().padStart(e + 1, '0');
    return `${neg ? '-' : ''}${abs.slice(0, abs.length - e)}.${abs.slice(abs.length - e)}`;
  }

  toJSON(): { minor: string; currency: string } {
    return { minor: this.minor.toString(), currency: this.currency };
  }

  private same(o: Money): void {
    if (o.currency !== this.currency) {
      throw new DomainError('MONEY.CURRENCY_MISMATCH', `cannot combine ${this.currency} and ${o.currency}`);
    }
  }
}
