import type { SalesChannelKind } from '../../sales/contracts';
import type { Fees } from './fees';
import { AccountRef, Accounts, entry, EntryDraft } from './ledger';

/** The escrow's view of an order (built from Sales' events; never read from Sales' tables). */
export interface EscrowOrder {
  orderId: string;
  orderNumber: string;
  organizerId: string;
  eventId: string;
  currency: string;
  total: bigint;
  channel: SalesChannelKind;
  officeId: string | null;
  ticketPrices: bigint[];
}

/** Who holds counter cash: the selling presale office, or the organizer itself for its box office. */
export const counterHolder = (o: EscrowOrder): string => (o.channel === 'presale-office' && o.officeId ? o.officeId : o.organizerId);

const payable = (o: EscrowOrder): AccountRef => Accounts.organizerPayable(o.organizerId, o.eventId, o.currency);

/**
 * The bookings of the escrow, one function per business fact. Each returns balanced drafts; the LedgerWriter
 * persists them and the database re-checks the balance.
 */
export const Bookings = {
  /** Online order placed: the customer owes the order total, the organizer's revenue is pending until payment. */
  onlineSale(o: EscrowOrder): EntryDraft {
    return entry(
      { kind: 'sale', status: 'pending', currency: o.currency, description: `Order ${o.orderNumber} placed, awaiting payment`, orderId: o.orderId, eventId: o.eventId },
      [
        [Accounts.customerClearing(o.currency), o.total],
        [payable(o), -o.total],
      ],
    );
  },

  /** Counter sale paid in cash / card terminal: the office (or box office) now owes the escrow the money. */
  counterSale(o: EscrowOrder): EntryDraft {
    return entry(
      { kind: 'counter-sale', currency: o.currency, description: `Counter sale ${o.orderNumber}`, orderId: o.orderId, eventId: o.eventId },
      [
        [Accounts.officeReceivable(counterHolder(o), o.currency), o.total],
        [payable(o), -o.total],
      ],
    );
  },

  /** Fees of a paid sale, deducted from the organizer's payable. */
  fees(o: EscrowOrder, f: Fees): EntryDraft | null {
    const sum = f.systemFee + f.commission + f.guarantee;
    if (sum === 0n) return null;
    return entry(
      { kind: 'fees', currency: o.currency, description: `Fees for order ${o.orderNumber}`, orderId: o.orderId, eventId: o.eventId },
      [
        [payable(o), sum],
        [Accounts.platformFees(o.currency), -f.systemFee],
        [Accounts.guaranteeFund(o.currency), -f.guarantee],
        ...(f.commission > 0n && o.officeId ? ([[Accounts.presaleCommission(o.officeId, o.currency), -f.commission]] as [AccountRef, bigint][]) : []),
      ],
    );
  },

  /** Money for an order arrived in the trust account. */
  orderPayment(o: EscrowOrder, amount: bigint, what: string): EntryDraft {
    return entry(
      { kind: 'payment', currency: o.currency, description: `${what} for order ${o.orderNumber}`, orderId: o.orderId, eventId: o.eventId },
      [
        [Accounts.escrowBank(o.currency), amount],
        [Accounts.customerClearing(o.currency), -amount],
      ],
    );
  },

  /** Money arrived that cannot be applied automatically: held as unallocated until a person resolves it. */
  unallocatedReceipt(currency: string, amount: bigint, what: string): EntryDraft {
    return entry({ kind: 'receipt-unallocated', currency, description: what }, [
      [Accounts.escrowBank(currency), amount],
      [Accounts.unallocated(currency), -amount],
    ]);
  },

  /** Manual match: an unallocated receipt (or part of it) is applied to an order. */
  allocateToOrder(o: EscrowOrder, amount: bigint): EntryDraft {
    return entry(
      { kind: 'allocation', currency: o.currency, description: `Unallocated receipt applied to order ${o.orderNumber}`, orderId: o.orderId, eventId: o.eventId },
      [
        [Accounts.unallocated(o.currency), amount],
        [Accounts.customerClearing(o.currency), -amount],
      ],
    );
  },

  /** Refund of an unallocated receipt (unknown, late, duplicate, excess) back to the payer. */
  refundUnallocated(currency: string, amount: bigint, what: string): EntryDraft {
    return entry({ kind: 'refund-unallocated', currency, description: what }, [
      [Accounts.unallocated(currency), amount],
      [Accounts.refundsPayable(currency), -amount],
    ]);
  },

  /** A paid online order is refunded: the customer is owed the amount (after the sale/fee entries were reversed). */
  orderRefundOwed(o: EscrowOrder, amount: bigint, reason: string): EntryDraft {
    return entry(
      { kind: 'refund-owed', currency: o.currency, description: `Refund of order ${o.orderNumber}: ${reason}`, orderId: o.orderId, eventId: o.eventId },
      [
        [Accounts.customerClearing(o.currency), amount],
        [Accounts.refundsPayable(o.currency), -amount],
      ],
    );
  },

  /**
   * A paid order is refunded (fully or partly): the money comes out of the organizer's payable as far as it holds
   * enough (after the event's payout it may not), the rest out of the guarantee fund. Online: the customer is owed it
   * (refunds payable); counter: the office paid it back in cash, so it owes the escrow that much less.
   */
  orderRefund(o: EscrowOrder, amount: bigint, fromPayable: bigint, reason: string): EntryDraft {
    const credit = o.channel === 'online' ? Accounts.refundsPayable(o.currency) : Accounts.officeReceivable(counterHolder(o), o.currency);
    return entry(
      { kind: 'refund', currency: o.currency, description: `Refund of order ${o.orderNumber}: ${reason}`, orderId: o.orderId, eventId: o.eventId },
      [
        [payable(o), fromPayable],
        [Accounts.guaranteeFund(o.currency), amount - fromPayable],
        [credit, -amount],
      ],
    );
  },

  /** Partial refund of a paid order, borne by the organizer's payable (fees are not refunded). */
  partialRefundOwed(o: EscrowOrder, amount: bigint, reason: string): EntryDraft {
    return entry(
      { kind: 'refund-owed', currency: o.currency, description: `Partial refund of order ${o.orderNumber}: ${reason}`, orderId: o.orderId, eventId: o.eventId },
      [
        [payable(o), amount],
        [Accounts.refundsPayable(o.currency), -amount],
      ],
    );
  },

  /** A refund left the trust account (SEPA credit transfer or card refund). */
  refundPaid(currency: string, amount: bigint, what: string, orderId?: string | null): EntryDraft {
    return entry({ kind: 'refund-paid', currency, description: what, orderId }, [
      [Accounts.refundsPayable(currency), amount],
      [Accounts.escrowBank(currency), -amount],
    ]);
  },

  /** A SEPA refund came back from the customer's bank: the money is on the trust account again and still owed. */
  refundReturned(currency: string, amount: bigint, what: string, orderId?: string | null): EntryDraft {
    return entry({ kind: 'refund-returned', currency, description: what, orderId }, [
      [Accounts.escrowBank(currency), amount],
      [Accounts.refundsPayable(currency), -amount],
    ]);
  },

  /** A counter sale's partial refund was paid back in cash by the office: it owes the escrow that much less. */
  refundPaidByOffice(o: EscrowOrder, amount: bigint): EntryDraft {
    return entry(
      { kind: 'refund-paid-at-counter', currency: o.currency, description: `Partial refund of ${o.orderNumber} paid at the counter`, orderId: o.orderId, eventId: o.eventId },
      [
        [Accounts.refundsPayable(o.currency), amount],
        [Accounts.officeReceivable(counterHolder(o), o.currency), -amount],
      ],
    );
  },

  /** At payout: box-office cash the organizer kept is netted against its payable. */
  boxOfficeOffset(organizerId: string, eventId: string, currency: string, amount: bigint): EntryDraft {
    return entry({ kind: 'box-office-offset', currency, description: `Box-office takings kept by the organizer, netted at payout`, eventId }, [
      [Accounts.organizerPayable(organizerId, eventId, currency), amount],
      [Accounts.officeReceivable(organizerId, currency), -amount],
    ]);
  },

  /** Organizer payout after the event. */
  payout(organizerId: string, eventId: string, currency: string, amount: bigint): EntryDraft {
    return entry({ kind: 'payout', currency, description: `Payout to organizer for event ${eventId}`, eventId }, [
      [Accounts.organizerPayable(organizerId, eventId, currency), amount],
      [Accounts.escrowBank(currency), -amount],
    ]);
  },

  /** A payout came back from the organizer's bank: the money is on the trust account and owed to the organizer again. */
  payoutReturned(organizerId: string, eventId: string, currency: string, amount: bigint, what: string): EntryDraft {
    return entry({ kind: 'payout-returned', currency, description: what, eventId }, [
      [Accounts.escrowBank(currency), amount],
      [Accounts.organizerPayable(organizerId, eventId, currency), -amount],
    ]);
  },

  /** Settlement statement: the office keeps its commission, so its receivable is reduced by it. */
  settlementCommissionOffset(officeId: string, currency: string, commission: bigint, period: string): EntryDraft | null {
    if (commission === 0n) return null;
    return entry({ kind: 'settlement-commission', currency, description: `Commission withheld by presale office, ${period}` }, [
      [Accounts.presaleCommission(officeId, currency), commission],
      [Accounts.officeReceivable(officeId, currency), -commission],
    ]);
  },

  /** The office's transfer for a settlement arrived. */
  settlementPayment(officeId: string, currency: string, amount: bigint, what: string): EntryDraft {
    return entry({ kind: 'settlement-payment', currency, description: what }, [
      [Accounts.escrowBank(currency), amount],
      [Accounts.officeReceivable(officeId, currency), -amount],
    ]);
  },

  /** The bank took a settlement payment back (a returned direct debit, R-transaction): the office owes it again. */
  settlementReturn(officeId: string, currency: string, amount: bigint, what: string): EntryDraft {
    return entry({ kind: 'settlement-return', currency, description: what }, [
      [Accounts.officeReceivable(officeId, currency), amount],
      [Accounts.escrowBank(currency), -amount],
    ]);
  },
};
