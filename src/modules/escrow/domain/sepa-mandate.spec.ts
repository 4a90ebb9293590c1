import fc from 'fast-check';
import { isValidIban, validateMandate } from './sepa-mandate';

describe('SEPA mandate validation', () => {
  it('isValidIban_knownGoodAndBad', () => {
    for (const ok of ['DE89370400440532013000', 'DE02120300000000202051', 'GB82WEST12345698765432', 'AT611904300234573201', 'de89 3704 0044 0532 0130 00']) expect(isValidIban(ok)).toBe(true);
    for (const bad of ['DE89370400440532013001', 'DE88370400440532013000', 'DE8937040044', '', 'XX00']) expect(isValidIban(bad)).toBe(false);
  });

  it('isValidIban_everySingleDigitTypoIsRefused', () => {
    const iban = 'DE89370400440532013000';
    fc.assert(
      fc.property(fc.integer({ min: 2, max: iban.length - 1 }), fc.integer({ min: 1, max: 9 }), (pos, delta) => {
        const d = (Number(iban[pos]) + delta) % 10;
        return !isValidIban(iban.slice(0, pos) + d + iban.slice(pos + 1));
      }),
    );
  });

  it('validateMandate_codesByProblem', () => {
    const today = new Date('2026-12-04T10:00:00Z');
    const good = { mandateId: 'M-1', signedOn: '2026-12-04', debtorName: ' Office ', debtorIban: 'DE89 3704 0044 0532 0130 00', debtorBic: 'cobadeffxxx' };
    expect(validateMandate(good, today)).toEqual({ mandateId: 'M-1', signedOn: '2026-12-04', debtorName: 'Office', debtorIban: 'DE89370400440532013000', debtorBic: 'COBADEFFXXX' });
    const code = (input: object) => {
      try {
        validateMandate(input, today);
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(code({ ...good, mandateId: ' ' })).toBe('ESCROW.MANDATE_FIELD_MISSING');
    expect(code({ ...good, signedOn: '2026-12-05' })).toBe('ESCROW.MANDATE_INVALID');
    expect(code({ ...good, debtorBic: 'XYZ' })).toBe('ESCROW.MANDATE_INVALID');
    expect(code({ ...good, mandateId: 'x'.repeat(36) })).toBe('ESCROW.MANDATE_INVALID');
    expect(code({ ...good, debtorIban: 'DE89370400440532013001' })).toBe('ESCROW.IBAN_INVALID');
  });
});
