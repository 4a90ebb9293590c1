import { isIP } from 'node:net';
import { z } from 'zod';
import { bool, int } from './sections/helpers';
import { accessControlSettings } from './sections/access-control';
import { escrowSettings } from './sections/escrow';
import { operationsSettings } from './sections/operations';
import { salesSettings } from './sections/sales';
import { securitySettings } from './sections/security';
import { ticketingSettings } from './sections/ticketing';

/**
 * Every setting ProTicket reads, validated once at start-up. A missing or wrong setting stops the process with a
 * message naming it (see `loadConfig`). `.env.example` documents each one; keep the two in step.
 */

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HTTP_HOST: z.string().min(1).default('0.0.0.0'),
    HTTP_PORT: int(0, 65535).default(8443),
    PUBLIC_BASE_URL: z.string().url().optional(),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    TLS_CA_FILE: z.string().min(1).optional(),
    TLS_DEV_DIR: z.string().min(1).default('var/tls'),
    HSTS_MAX_AGE_S: int(0, 63072000).default(31536000),
    BODY_LIMIT_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
    /**
     * The fast lane (src/infrastructure/http/fast-lane.ts): the online scan route is answered straight from Fastify,
     * without Nest's per-request pipeline. `false` serves it through Nest like every other route (same behaviour, more
     * event-loop time per scan) — for comparison or diagnosis.
     */
    HTTP_FAST_LANE: bool.default(true),
    /**
     * Anonymous write routes (storefront holds and orders, card checkout, scanner enrolment): requests per client
     * address and minute, per route group, counted in Redis across instances (@fastify/rate-limit). 0 = off.
     */
    RATE_LIMIT_PUBLIC_WRITES_PER_MIN: int(0, 1_000_000).default(60),
    RATE_LIMIT_SYNC_MS: int(0, 10_000).default(50),
    /**
     * Comma-separated addresses or CIDR ranges of the reverse proxies / load balancers in front of the service: only
     * from these is X-Forwarded-For believed (client address for login throttling, rate limits, audit).
     */
    TRUSTED_PROXIES: z
      .string()
      .default('127.0.0.1,::1')
      .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
      .refine((list) => list.every((x) => isIP(x.split('/')[0]) !== 0), 'must be comma-separated IP addresses or CIDR ranges'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .default('postgres://postgres@127.0.0.1:5432/proticket'),
    DATABASE_POOL_MAX: int(1, 500).default(20),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .default('redis://127.0.0.1:6379'),
    REDIS_KEY_PREFIX: z.string().regex(/^[a-zA-Z0-9_.-]+$/, 'letters, digits, _ . - only').default('pt'),
    WORKERS_IN_PROCESS: bool.default(true),
    OUTBOX_POLL_MS: int(10, 60000).default(200),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SESSION_IDLE_TIMEOUT_S: int(60, 86400).default(1800),
    SESSION_ABSOLUTE_LIFETIME_S: int(300, 30 * 86400).default(12 * 3600),
    LOGIN_MAX_FAILURES: int(1, 1000).default(5),
    LOGIN_WINDOW_S: int(1, 86400).default(60),
    ARGON2_MEMORY_KIB: int(19456, 4 * 1024 * 1024).default(19456),
    ARGON2_TIME_COST: int(2, 100).default(2),
    BOOTSTRAP_ADMIN_EMAIL: z.string().email().optional(),
    BOOTSTRAP_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    SHUTDOWN_DRAIN_MS: int(0, 120000).default(3000),
    // Module-owned settings live in config/sections/<module>.ts.
    ...salesSettings,
    ...escrowSettings,
    ...ticketingSettings,
    ...accessControlSettings,
    ...securitySettings,
    ...operationsSettings,
  })
  .superRefine((c, ctx) => {
    if (!!c.TLS_CERT_FILE !== !!c.TLS_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['TLS_KEY_FILE'], message: 'TLS_CERT_FILE and TLS_KEY_FILE go together' });
    }
    if (c.NODE_ENV === 'production' && !c.TLS_CERT_FILE) {
      ctx.addIssue({ code: 'custom', path: ['TLS_CERT_FILE'], message: 'required in production (no development CA)' });
    }
    if (!!c.BOOTSTRAP_ADMIN_EMAIL !== !!c.BOOTSTRAP_ADMIN_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: ['BOOTSTRAP_ADMIN_PASSWORD'],
        message: 'BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD go together',
      });
    }
  });

export type AppConfig = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment; throws ConfigError naming every wrong setting. Empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
