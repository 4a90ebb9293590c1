import { bool, int, z } from './helpers';

/**
 * Settings owned by the escrow module (documented in .env.example). Each key is an environment variable; keep the
 * defaults safe for development and tests.
 */
export const escrowSettings = {
  /** ProTicket's trust account (Treuhandkonto): debtor of payout and refund files (pain.001). */
  ESCROW_TRUST_ACCOUNT_NAME: z.string().min(1).max(70).default('ProTicket Treuhandkonto'),
  ESCROW_TRUST_ACCOUNT_IBAN: z
    .string()
    .regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/, 'must be an IBAN without spaces')
    .default('DE02120300000000202051'),
  ESCROW_TRUST_ACCOUNT_BIC: z.string().regex(/^[A-Z0-9]{8}([A-Z0-9]{3})?$/, 'must be a BIC').optional(),
  /** Currency of the trust account (online orders in another currency go to the review queue). */
  ESCROW_CURRENCY: z.string().regex(/^[A-Z]{3}$/).default('EUR'),
  /** Organizer payouts become due this many days after the event's start. */
  ESCROW_PAYOUT_DELAY_DAYS: int(0, 365).default(7),
  /** Run the organizer payout run as a repeating job this often (0 = only on request via the API). */
  ESCROW_PAYOUT_SCHEDULE_MS: int(0, 7 * 86400_000).default(0),
  /** Largest accepted bank-statement upload (camt.053 / MT940); bigger uploads are refused with 413. */
  ESCROW_STATEMENT_MAX_BYTES: int(1024, 64 * 1024 * 1024).default(20 * 1024 * 1024),
  /** Fee contract used for organizers without their own (minor units / basis points / per mille). */
  ESCROW_DEFAULT_SYSTEM_FEE_MINOR: int(0, 100_000).default(100),
  ESCROW_DEFAULT_COMMISSION_BP: int(0, 10_000).default(1000),
  ESCROW_DEFAULT_COMMISSION_MIN_MINOR: int(0, 100_000).default(50),
  ESCROW_DEFAULT_GUARANTEE_PER_MILLE: int(0, 1000).default(5),
  /** HMAC-SHA256 secret of the card payment provider's webhooks (the sandbox provider signs with it too). */
  ESCROW_CARD_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').default('development-only-card-webhook-secret'),
  /** Webhooks older than this (by their signed timestamp) are refused (replay protection). */
  ESCROW_CARD_WEBHOOK_TOLERANCE_S: int(10, 86400).default(300),
  /** Enables the sandbox card provider's simulation endpoint (never in production). */
  ESCROW_CARD_SANDBOX_ENABLED: bool.default(true),
  /** SEPA creditor identifier of the trust account (creditor of direct-debit collections, pain.008). */
  ESCROW_SEPA_CREDITOR_ID: z
    .string()
    .regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$/, 'must be a SEPA creditor identifier without spaces')
    .default('DE98ZZZ09999999999'),
  /** Direct debits are requested for this many days after the collection run (CORE: at least one business day). */
  ESCROW_SEPA_COLLECTION_LEAD_DAYS: int(1, 30).default(2),
} satisfies z.ZodRawShape;
