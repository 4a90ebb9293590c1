import { DomainError } from '../../../shared-kernel/domain-error';

/** One booked line of a bank statement, normalized from camt.053 or MT940. Amounts are integer minor units. */
export interface StatementLine {
  /** Stable identity for idempotent re-import: the bank's transaction id, or a checksum of the line's content. */
  key: string;
  direction: 'credit' | 'debit';
  amount: bigint;
  currency: string;
  bookingDate: string | null;
  /** Unstructured + structured remittance information, joined (the matcher tolerates spaces, case, breaks). */
  remittance: string;
  structuredReference: string | null;
  endToEndId: string | null;
  counterpartyName: string | null;
  counterpartyIban: string | null;
  /**
   * The bank takes back an earlier booking (camt `RvslInd` = true, MT940 mark RC/RD): a reversed credit is money
   * leaving the account (direction debit), a reversed debit money coming back (credit).
   */
  reversal: boolean;
  /** ISO 20022 return reason (camt `RtrInf/Rsn/Cd`, e.g. AM04, MD06, AC04) of a returned payment or direct debit. */
  returnReason: string | null;
}

/**
 * Returned or reversed money is never an incoming payment: it is not matched against orders (a bounced refund carries
 * the order's RF reference, but it is the customer's money coming back to us, not a new payment).
 */
export const isReturn = (l: Pick<StatementLine, 'reversal' | 'returnReason'>): boolean => l.reversal || l.returnReason !== null;

/** A transfer of ours coming back (a returned refund or payout), named by the EndToEndId it went out with. */
export type ReturnedTransfer = Pick<StatementLine, 'key' | 'amount' | 'currency' | 'returnReason'> & { endToEndId: string };

/**
 * Pairs each returned transfer with the outgoing transfer it names — same EndToEndId, currency and amount, each
 * outgoing one at most once. Anything less exact stays unpaired (a person decides).
 */
export function pairReturns<T extends { end_to_end_id: string; currency: string; amount_minor: string }>(lines: ReturnedTransfer[], sent: T[]): { line: ReturnedTransfer; sent: T }[] {
  const open = new Map(sent.map((s) => [s.end_to_end_id, s]));
  const pairs: { line: ReturnedTransfer; sent: T }[] = [];
  for (const line of lines) {
    const s = open.get(line.endToEndId);
    if (!s || s.currency !== line.currency || BigInt(s.amount_minor) !== line.amount) continue;
    open.delete(line.endToEndId);
    pairs.push({ line, sent: s });
  }
  return pairs;
}

export interface ParsedStatement {
  format: 'camt.053' | 'mt940';
  accountIban: string | null;
  statementId: string | null;
  currency: string | null;
  closingBalance: bigint | null;
  closingDate: string | null;
  lines: StatementLine[];
}

export const statementError = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError(`ESCROW.${code}`, message, code === 'STATEMENT_MALFORMED' || code === 'STATEMENT_WRONG_NAMESPACE' ? 'validation' : 'unprocessable', details);

/** "1234.5" / "1234,50" → 123450 (2 decimals); refuses signs, exponents, more decimals than the currency has. */
export function parseAmount(text: string, where: string, decimalSep: '.' | ',' = '.'): bigint {
  const t = text.trim();
  const re = decimalSep === '.' ? /^(\d{1,15})(?:\.(\d{0,2}))?$/ : /^(\d{1,15}),(\d{0,2})$/;
  const m = re.exec(t);
  if (!m) throw statementError('STATEMENT_INVALID', `${where}: "${text}" is not an amount`, { where });
  return BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0');
}
