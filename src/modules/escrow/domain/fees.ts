import type { SalesChannelKind } from '../../sales/contracts';

/**
 * An organizer's fee contract: platform system fee per ticket, the selling presale office's commission (percent in
 * basis points, with a minimum per ticket), and the guarantee-fund contribution in per mille of the ticket price.
 * Booked when the sale is paid. Free tickets carry no fees; per ticket the deductions never exceed its price (the
 * organizer never owes money for a sale).
 */
export interface FeeContract {
  systemFeePerTicket: bigint;
  commissionBp: number;
  commissionMinPerTicket: bigint;
  guaranteePerMille: number;
}

export interface Fees {
  systemFee: bigint;
  commission: bigint;
  guarantee: bigint;
}

/** Rounds num/den half away from zero for non-negative values. */
const share = (amount: bigint, num: number, den: number): bigint => (amount * BigInt(num) * 2n + BigInt(den)) / (2n * BigInt(den));

export function computeFees(contract: FeeContract, ticketPrices: bigint[], channel: SalesChannelKind): Fees {
  const total: Fees = { systemFee: 0n, commission: 0n, guarantee: 0n };
  for (const price of ticketPrices) {
    if (price <= 0n) continue;
    let room = price;
    const take = (want: bigint): bigint => {
      const t = want < room ? want : room;
      room -= t;
      return t;
    };
    total.systemFee += take(contract.systemFeePerTicket);
    if (channel === 'presale-office') {
      const pct = share(price, contract.commissionBp, 10_000);
      total.commission += take(pct > contract.commissionMinPerTicket ? pct : contract.commissionMinPerTicket);
    }
    total.guarantee += take(share(price, contract.guaranteePerMille, 1000));
  }
  return total;
}
