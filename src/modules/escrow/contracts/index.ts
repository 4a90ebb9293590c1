/**
 * The Escrow module's public face. Sales consumes PaymentReceived to mark an online order paid; tickets are
 * delivered only after that. Money is `{ minor: string, currency }` as in Sales' contracts.
 */
import type { IntegrationEvent } from '../../../shared-kernel/integration-event';

/** An order's full amount has arrived in the trust account (bank transfer matched, or card payment captured). */
export type PaymentReceived = IntegrationEvent<
  'escrow.PaymentReceived',
  {
    paymentId: string;
    orderId: string;
    orderNumber: string;
    amount: { minor: string; currency: string };
    method: 'bank-transfer' | 'card';
    receivedAt: string;
  }
>;

/** A refund for an order was paid out of escrow (after a cancellation, or an event cancellation). */
export type RefundIssued = IntegrationEvent<
  'escrow.RefundIssued',
  { refundId: string; orderId: string; orderNumber: string; amount: { minor: string; currency: string }; reason: string }
>;

export const ESCROW_EVENTS = {
  PaymentReceived: 'escrow.PaymentReceived',
  RefundIssued: 'escrow.RefundIssued',
} as const;

/**
 * An online order got its payment instructions (ISO 11649 creditor reference + trust account). Sales / Ticketing may
 * show or mail them to the customer. Added compatibly: consumers of the two events above are unaffected.
 */
export type PaymentInstructionsIssued = IntegrationEvent<
  'escrow.PaymentInstructionsIssued',
  {
    orderId: string;
    orderNumber: string;
    amount: { minor: string; currency: string };
    /** ISO 11649 reference, electronic form ("RF18539007547034"); print it in groups of four. */
    creditorReference: string;
    beneficiary: { name: string; iban: string; bic: string | null };
    paymentDeadline: string | null;
  }
>;

/**
 * An organizer payout came back from the organizer's bank (closed or wrong account): the money is on the trust account
 * again and the event's payable is restored; it is paid out again only to another account. The organizer portal tells
 * the organizer to set a new payee account. Added compatibly.
 */
export type PayoutReturned = IntegrationEvent<
  'escrow.PayoutReturned',
  {
    payoutId: string;
    organizerId: string;
    eventId: string;
    amount: { minor: string; currency: string };
    /** ISO 20022 return reason code from the statement (e.g. AC04 closed account), when the bank gave one. */
    returnReason: string | null;
    endToEndId: string;
  }
>;

export const ESCROW_EVENT_TYPES = {
  ...ESCROW_EVENTS,
  PaymentInstructionsIssued: 'escrow.PaymentInstructionsIssued',
  PayoutReturned: 'escrow.PayoutReturned',
} as const;
