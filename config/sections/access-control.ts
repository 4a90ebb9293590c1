import { int, z } from './helpers';

/** Development-only Ed25519 seed of the platform key that signs offline packages (refused in production). */
const DEV_PACKAGE_SEED = 'ZGV2LW9ubHktYWNjZXNzLWNvbnRyb2wtc2VlZC0zMiE='; // "dev-only-access-control-seed-32!"

/**
 * Settings owned by the access-control module (documented in .env.example). Each key is an environment variable; keep the
 * defaults safe for development and tests.
 */
export const accessControlSettings = {
  /** Ed25519 private key seed (32 bytes, base64) of the platform key that signs offline scanner packages. */
  ACCESS_CONTROL_PACKAGE_KEY_SEED: z
    .string()
    .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 bytes, base64')
    .default(DEV_PACKAGE_SEED),
  /** How long a device enrolment code stays usable. */
  ACCESS_CONTROL_ENROL_CODE_TTL_S: int(60, 7 * 86400).default(15 * 60),
  /** Tolerated scanner clock difference at both ends of a ticket's validity window. */
  ACCESS_CONTROL_CLOCK_GRACE_S: int(0, 3600).default(120),
  /** Longest a long-poll feed request waits for news; SSE streams send a heartbeat comment this often. */
  ACCESS_CONTROL_FEED_WAIT_S: int(1, 120).default(55),
  /** How often waiting feed requests look for news written by other app instances (same instance: at once). */
  ACCESS_CONTROL_FEED_POLL_MS: int(50, 10_000).default(250),
  /** How long configuration (devices, gates, keys) is cached per instance; device revocation is re-checked per scan. */
  ACCESS_CONTROL_CACHE_TTL_MS: int(0, 600_000).default(5_000),
} satisfies z.ZodRawShape;

export const ACCESS_CONTROL_DEV_SECRETS = { packageKeySeed: DEV_PACKAGE_SEED };
