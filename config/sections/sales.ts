import { int, z } from './helpers';

/**
 * Settings owned by the sales module (documented in .env.example). Each key is an environment variable; keep the
 * defaults safe for development and tests.
 */
export const salesSettings = {
  /** How long an online-shop hold lives before its places are free again. */
  SALES_HOLD_TTL_ONLINE_S: int(10, 24 * 3600).default(900),
  /** How long a box-office / presale-office hold lives. */
  SALES_HOLD_TTL_COUNTER_S: int(10, 24 * 3600).default(900),
  /** ExtendHold adds the channel's TTL again, but a hold never lives longer than this after its creation. */
  SALES_HOLD_MAX_LIFETIME_S: int(60, 48 * 3600).default(1800),
  /** How many times a hold may be extended. */
  SALES_HOLD_MAX_EXTENSIONS: int(0, 20).default(2),
  /** Most places in one online hold / one counter hold. */
  SALES_MAX_PLACES_ONLINE: int(1, 100).default(10),
  SALES_MAX_PLACES_COUNTER: int(1, 1000).default(50),
  /** An unpaid online order expires (and its places return) this long after it was placed. */
  SALES_PAYMENT_DEADLINE_ONLINE_S: int(300, 60 * 86400).default(7 * 86400),
  /** Sweep intervals of the BullMQ jobs (correctness never depends on them: an expired hold is free at once). */
  SALES_HOLD_SWEEP_EVERY_MS: int(1000, 3600_000).default(30_000),
  SALES_ORDER_EXPIRY_EVERY_MS: int(1000, 3600_000).default(60_000),
  /** Request body limit of the seating-plan upload routes only (a 20,000-seat plan is a few MB of JSON). */
  SALES_PLAN_BODY_LIMIT_BYTES: int(1024 * 1024, 256 * 1024 * 1024).default(32 * 1024 * 1024),
  /** Largest seating plan accepted (seats + GA areas). */
  SALES_PLAN_MAX_SEATS: int(1, 500_000).default(100_000),
} satisfies z.ZodRawShape;
