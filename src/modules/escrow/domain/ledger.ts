import { createHash } from 'node:crypto';
import { DomainError } from '../../../shared-kernel/domain-error';
import { newId } from '../../../shared-kernel/ids';

/**
 * The escrow ledger's vocabulary: accounts and journal-entry drafts. Sign convention: a posting's amount is positive
 * for a debit and negative for a credit; an entry's postings sum to zero (checked here AND by the database).
 */
export type AccountType =
  | 'escrow-bank'
  | 'customer-clearing'
  | 'organizer-payable'
  | 'office-receivable'
  | 'platform-fees'
  | 'presale-commission'
  | 'refunds-payable'
  | 'guarantee-fund'
  | 'unallocated';

/** normal side (1 = debit, -1 = credit) and whether the account may go below zero on its normal side. */
export const ACCOUNT_RULES: Record<AccountType, { normalSide: 1 | -1; mayGoNegative: boolean; label: string }> = {
  'escrow-bank': { normalSide: 1, mayGoNegative: false, label: 'Escrow bank account (Treuhandkonto)' },
  'customer-clearing': { normalSide: 1, mayGoNegative: true, label: 'Customer clearing' },
  'organizer-payable': { normalSide: -1, mayGoNegative: false, label: 'Organizer payable' },
  // negative = the platform owes the office (a counter refund after the office had already settled)
  'office-receivable': { normalSide: 1, mayGoNegative: true, label: 'Presale-office receivable' },
  'platform-fees': { normalSide: -1, mayGoNegative: false, label: 'Platform fees' },
  'presale-commission': { normalSide: -1, mayGoNegative: false, label: 'Presale commission owed' },
  'refunds-payable': { normalSide: -1, mayGoNegative: false, label: 'Refunds payable' },
  'guarantee-fund': { normalSide: -1, mayGoNegative: false, label: 'Guarantee fund' },
  'unallocated': { normalSide: -1, mayGoNegative: false, label: 'Unallocated receipts (review queue)' },
};

export interface AccountRef {
  code: string;
  type: AccountType;
  currency: string;
  ownerId?: string | null;
  eventId?: string | null;
}

/** Deterministic account id from its code, so bookings never need a lookup round trip. */
export function accountId(code: string): string {
  const h = createHash('sha256').update(`escrow-account:${code}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const Accounts = {
  escrowBank: (currency: string): AccountRef => ({ code: `escrow-bank:${currency}`, type: 'escrow-bank', currency }),
  customerClearing: (currency: string): AccountRef => ({ code: `customer-clearing:${currency}`, type: 'customer-clearing', currency }),
  platformFees: (currency: string): AccountRef => ({ code: `platform-fees:${currency}`, type: 'platform-fees', currency }),
  guaranteeFund: (currency: string): AccountRef => ({ code: `guarantee-fund:${currency}`, type: 'guarantee-fund', currency }),
  refundsPayable: (currency: string): AccountRef => ({ code: `refunds-payable:${currency}`, type: 'refunds-payable', currency }),
  unallocated: (currency: string): AccountRef => ({ code: `unallocated:${currency}`, type: 'unallocated', currency }),
  organizerPayable: (organizerId: string, eventId: string, currency: string): AccountRef => ({
    code: `organizer-payable:${eventId}:${currency}`,
    type: 'organizer-payable',
    currency,
    ownerId: organizerId,
    eventId,
  }),
  officeReceivable: (officeId: string, currency: string): AccountRef => ({
    code: `office-receivable:${officeId}:${currency}`,
    type: 'office-receivable',
    currency,
    ownerId: officeId,
  }),
  presaleCommission: (officeId: string, currency: string): AccountRef => ({
    code: `presale-commission:${officeId}:${currency}`,
    type: 'presale-commission',
    currency,
    ownerId: officeId,
  }),
};

export interface PostingDraft {
  account: AccountRef;
  /** + debit, − credit, integer minor units. */
  amount: bigint;
}

export type EntryStatus = 'pending' | 'posted';

export interface EntryDraft {
  id: string;
  kind: string;
  status: EntryStatus;
  currency: string;
  description: string;
  orderId?: string | null;
  eventId?: string | null;
  reversesEntryId?: string | null;
  postings: PostingDraft[];
}

/** Builds an entry; zero-amount lines are dropped; refuses an unbalanced or mixed-currency entry. */
export function entry(
  e: Omit<EntryDraft, 'id' | 'postings' | 'status'> & { status?: EntryStatus; id?: string },
  lines: [AccountRef, bigint][],
): EntryDraft {
  const postings = lines.filter(([, a]) => a !== 0n).map(([account, amount]) => ({ account, amount }));
  const draft: EntryDraft = { id: e.id ?? newId(), status: e.status ?? 'posted', ...e, postings };
  assertBalanced(draft);
  return draft;
}

export function assertBalanced(e: EntryDraft): void {
  if (e.postings.length < 2) throw new DomainError('ESCROW.UNBALANCED_ENTRY', `entry ${e.kind} needs at least two postings`, 'unprocessable');
  let sum = 0n;
  for (const p of e.postings) {
    if (p.account.currency !== e.currency) throw new DomainError('ESCROW.CURRENCY_MISMATCH', `entry ${e.kind} mixes currencies`, 'unprocessable');
    sum += p.amount;
  }
  if (sum !== 0n) throw new DomainError('ESCROW.UNBALANCED_ENTRY', `entry ${e.kind} postings sum to ${sum}`, 'unprocessable');
}

/** A correction: the same postings with opposite signs, linked to the original (which can be reversed only once). */
export function reversal(original: { id: string; kind: string; currency: string; orderId?: string | null; eventId?: string | null; postings: PostingDraft[] }, why: string): EntryDraft {
  return entry(
    { kind: `reversal:${original.kind}`, currency: original.currency, description: `Reversal of ${original.kind}: ${why}`, orderId: original.orderId, eventId: original.eventId, reversesEntryId: original.id },
    original.postings.map((p) => [p.account, -p.amount]),
  );
}
