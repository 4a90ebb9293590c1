import fc from 'fast-check';
import { computeFees, FeeContract } from './fees';

const contract: FeeContract = { systemFeePerTicket: 150n, commissionBp: 1000, commissionMinPerTicket: 100n, guaranteePerMille: 5 };

describe('fee rules', () => {
  it('online_chargesSystemFeeAndGuaranteeButNoCommission', () => {
    expect(computeFees(contract, [4500n, 4500n], 'online')).toEqual({ systemFee: 300n, commission: 0n, guarantee: 46n });
  });
  it('presaleOffice_commissionIsPercentWithMinimumPerTicket', () => {
    // 10 % of 4500 = 450; 10 % of 500 = 50 → minimum 100
    expect(computeFees(contract, [4500n, 500n], 'presale-office').commission).toBe(550n);
  });
  it('freeTickets_carryNoFees', () => {
    expect(computeFees(contract, [0n], 'presale-office')).toEqual({ systemFee: 0n, commission: 0n, guarantee: 0n });
  });
  it('deductions_neverExceedTheTicketPrice', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 100_000n }), { maxLength: 10 }), fc.constantFrom('online', 'presale-office', 'box-office' as const), (prices, ch) => {
        const f = computeFees({ systemFeePerTicket: 300n, commissionBp: 2500, commissionMinPerTicket: 200n, guaranteePerMille: 10 }, prices, ch);
        const sum = prices.reduce((a, b) => a + b, 0n);
        return f.systemFee >= 0n && f.commission >= 0n && f.guarantee >= 0n && f.systemFee + f.commission + f.guarantee <= sum;
      }),
    );
  });
});
