/**
 * Deciding what an incoming payment is. Pure: the application service loads the candidate target (found by RF
 * reference, then by order number) and applies the decision. Nothing is dropped: whatever is not an exact payment of
 * an open amount goes to the review queue with its reason.
 */
export type ReviewReason = 'partial' | 'excess' | 'late' | 'unknown' | 'duplicate' | 'cancelled-order';

export type MatchTarget =
  | { type: 'order'; id: string; status: string; currency: string; total: bigint; received: bigint }
  | { type: 'settlement'; id: string; status: string; currency: string; due: bigint; received: bigint };

export type MatchDecision = { kind: 'apply' } | { kind: 'review'; reason: ReviewReason };

export function decidePayment(amount: bigint, currency: string, target: MatchTarget | null): MatchDecision {
  if (!target || target.currency !== currency) return { kind: 'review', reason: 'unknown' };
  if (target.type === 'order') {
    switch (target.status) {
      case 'paid':
        return { kind: 'review', reason: 'duplicate' };
      case 'expired':
        return { kind: 'review', reason: 'late' };
      case 'cancelled':
      case 'refunded':
        return { kind: 'review', reason: 'cancelled-order' };
      case 'awaiting-payment':
        break;
      default:
        return { kind: 'review', reason: 'unknown' };
    }
    const open = target.total - target.received;
    return amount === open ? { kind: 'apply' } : { kind: 'review', reason: amount < open ? 'partial' : 'excess' };
  }
  if (target.status === 'paid') return { kind: 'review', reason: 'duplicate' };
  const open = target.due - target.received;
  return amount === open ? { kind: 'apply' } : { kind: 'review', reason: amount < open ? 'partial' : 'excess' };
}
