import fc from 'fast-check';
import {
  creditorReference,
  findCreditorReferences,
  formatCreditorReference,
  isValidCreditorReference,
  paymentReferenceFromSequence,
  PAYMENT_REFERENCE_BODY_LENGTH,
} from './rf-reference';

describe('ISO 11649 creditor reference', () => {
  it('creditorReference_matchesTheStandardsExample', () => {
    // ISO 11649 / EPC example: body 539007547034 → RF18 5390 0754 7034
    expect(creditorReference('539007547034')).toBe('RF18539007547034');
    expect(isValidCreditorReference('RF18 5390 0754 7034')).toBe(true);
    expect(formatCreditorReference('RF18539007547034')).toBe('RF18 5390 0754 7034');
  });

  // Our bodies are all-numeric, so a letter typed into one is never another order's reference; digit typos are the
  // risk, and MOD 97-10 catches every one of them (in the body and in the check digits).
  it('everySingleDigitTypo_isRejected', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 14n - 1n }), (n) => {
        const ref = paymentReferenceFromSequence(n);
        expect(isValidCreditorReference(ref)).toBe(true);
        for (let pos = 2; pos < ref.length; pos++) {
          for (const c of '0123456789') {
            if (c === ref[pos]) continue;
            const typo = ref.slice(0, pos) + c + ref.slice(pos + 1);
            if (isValidCreditorReference(typo)) return false;
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('adjacentTransposition_isRejected', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 14n - 1n }), (n) => {
        const ref = paymentReferenceFromSequence(n);
        for (let pos = 4; pos < ref.length - 1; pos++) {
          if (ref[pos] === ref[pos + 1]) continue;
          const typo = ref.slice(0, pos) + ref[pos + 1] + ref[pos] + ref.slice(pos + 2);
          if (isValidCreditorReference(typo)) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('findCreditorReferences_toleratesSpacesCaseAndLineBreaks', () => {
    const ref = paymentReferenceFromSequence(123456);
    const spaced = formatCreditorReference(ref).toLowerCase().replace(' ', '\n ');
    expect(findCreditorReferences(`Tickets Konzert ${spaced} danke`, PAYMENT_REFERENCE_BODY_LENGTH)).toEqual([ref]);
    expect(findCreditorReferences('no reference here RF00 1234', PAYMENT_REFERENCE_BODY_LENGTH)).toEqual([]);
  });
});
