import { bool, int, z } from './helpers';

/**
 * Settings owned by the security module (documented in .env.example). Each key is an environment variable; keep the
 * defaults safe for development and tests.
 */
export const securitySettings = {
  // --- platform PKI (client certificates) ---
  /**
   * Passphrase that encrypts the platform CA's private key at rest (AES-256, PKCS#8). The default is for development
   * and tests only; the PKI refuses to create or load a CA with it when NODE_ENV=production.
   */
  PKI_CA_PASSPHRASE: z.string().min(16, 'must be at least 16 characters').default('development-only-ca-passphrase'),
  /** Subject common name of the platform CA (used when the CA is created). */
  PKI_CA_COMMON_NAME: z.string().min(1).max(64).default('ProTicket Platform Client CA'),
  PKI_CA_VALIDITY_DAYS: int(365, 30 * 365).default(10 * 365),
  /** Default and maximum validity of issued client certificates. */
  PKI_CLIENT_CERT_DAYS: int(1, 825).default(365),
  /** How long a CRL is valid (nextUpdate - thisUpdate). */
  PKI_CRL_VALIDITY_S: int(600, 30 * 86400).default(2 * 86400),
  /** The CRL is regenerated at least this often (well before nextUpdate), and on every revocation. */
  PKI_CRL_REFRESH_S: int(5, 86400).default(3600),
  /** Alert (metric + error log) when the served CRL expires in less than this. */
  PKI_CRL_ALERT_BEFORE_S: int(60, 30 * 86400).default(86400),
  /** Public URL of the CRL written into certificates (CRL distribution point). Default: PUBLIC_BASE_URL + /pki/crl. */
  PKI_CRL_URL: z.string().url().optional(),
  /** How long a positive client-certificate check is cached per instance (invalidated via Redis on revocation). */
  PKI_GUARD_CACHE_MS: int(0, 5000).default(3000),
  /** The business listener: a second HTTPS port that always requires a client certificate from the platform CA. */
  BUSINESS_LISTENER_ENABLED: bool.default(true),
  BUSINESS_HTTP_PORT: int(0, 65535).default(8444),

  // --- directory (Active Directory / LDAP) for directory-bound certificates ---
  /** ldap:// or ldaps:// URL; unset = directory binding unavailable. */
  DIRECTORY_LDAP_URL: z.string().regex(/^ldaps?:\/\//, 'must be an ldap:// or ldaps:// URL').optional(),
  DIRECTORY_BIND_DN: z.string().min(1).optional(),
  DIRECTORY_BIND_PASSWORD: z.string().min(1).optional(),
  DIRECTORY_BASE_DN: z.string().min(1).optional(),
  /** The attribute that names an account (AD: sAMAccountName; OpenLDAP: uid). */
  DIRECTORY_ACCOUNT_ATTRIBUTE: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/).default('sAMAccountName'),
  /** The attribute that says "disabled" (AD: userAccountControl). */
  DIRECTORY_DISABLED_ATTRIBUTE: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/).default('userAccountControl'),
  /** uac-bit: disabled when (value & 0x2) (Active Directory); equals: disabled when value equals DIRECTORY_DISABLED_VALUE. */
  DIRECTORY_DISABLED_RULE: z.enum(['uac-bit', 'equals']).default('uac-bit'),
  DIRECTORY_DISABLED_VALUE: z.string().min(1).default('TRUE'),
  DIRECTORY_TIMEOUT_MS: int(100, 30000).default(3000),
  /** Directory sync job interval. */
  DIRECTORY_SYNC_INTERVAL_S: int(1, 86400).default(30),
  /** If the directory is unreachable, a last known "enabled" younger than this still counts; older → refused (503). */
  DIRECTORY_MAX_STALENESS_S: int(0, 86400).default(120),
} satisfies z.ZodRawShape;
