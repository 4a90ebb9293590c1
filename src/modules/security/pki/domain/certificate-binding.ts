import { BusinessRule, DomainError } from '../../../../shared-kernel/domain-error';

/** What a client certificate is bound to besides its user: a named computer, or the user's directory (AD) account. */
export type BindingKind = 'machine' | 'directory';
export const BINDING_KINDS: readonly BindingKind[] = ['machine', 'directory'];

export type CertificateBinding = { kind: 'machine'; machineName: string } | { kind: 'directory'; account: string };

/** legacy-3des imports on every Windows; aes256 is the modern PBES2 form (Windows 10 1709+, OpenSSL 3 default). */
export type Pkcs12Format = 'legacy-3des' | 'aes256';
export const PKCS12_FORMATS: readonly Pkcs12Format[] = ['legacy-3des', 'aes256'];

/** Reasons an administrator may give; `certificateHold` is reserved for the directory sync (it is lifted again). */
export const ADMIN_REVOCATION_REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'] as const;
export type AdminRevocationReason = (typeof ADMIN_REVOCATION_REASONS)[number];

export type CertificateStatus = 'active' | 'on-hold' | 'revoked';

/** Machine names: a Windows/NetBIOS or DNS host name. */
export const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Directory account: sAMAccountName / uid / UPN characters (no LDAP filter metacharacters). */
export const DIRECTORY_ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

/**
 * The PKCS#12 password protects the private key on its way to the user and in the file on disk: at least 12
 * characters, letters and digits, and not the user's e-mail.
 */
export class Pkcs12PasswordPolicyRule implements BusinessRule {
  constructor(
    private readonly password: string,
    private readonly email: string,
  ) {}

  problem(): string | null {
    const p = this.password;
    if (p.length < 12) return 'must be at least 12 characters';
    if (p.length > 128) return 'must be at most 128 characters';
    if (!/[A-Za-z]/.test(p) || !/[0-9]/.test(p)) return 'must contain letters and digits';
    if (p.toLowerCase().includes(this.email.toLowerCase().split('@')[0]) && this.email.split('@')[0].length >= 3) return 'must not contain the user name';
    if (/^(.)\1+$/.test(p)) return 'must not be one repeated character';
    return null;
  }

  isBroken(): boolean {
    return this.problem() !== null;
  }

  error(): DomainError {
    const message = this.problem() ?? '';
    return new DomainError('PKI.PKCS12_PASSWORD_POLICY', `PKCS#12 password ${message}`, 'validation', {
      errors: [{ field: 'pkcs12Password', message }],
    });
  }
}

/** The organization allows only some binding kinds. */
export class BindingKindAllowedRule implements BusinessRule {
  constructor(
    private readonly kind: BindingKind,
    private readonly allowed: readonly string[],
  ) {}
  isBroken(): boolean {
    return !this.allowed.includes(this.kind);
  }
  error(): DomainError {
    return new DomainError('PKI.BINDING_NOT_ALLOWED', `this organization's policy does not allow ${this.kind}-bound certificates (allowed: ${this.allowed.join(', ')})`, 'unprocessable');
  }
}

/** Why a presented certificate does not let this request through (stable codes, all 403 unless noted). */
export type CertificateRefusal =
  | 'PKI.CERT_UNKNOWN'
  | 'PKI.CERT_REVOKED'
  | 'PKI.CERT_ON_HOLD'
  | 'PKI.CERT_EXPIRED'
  | 'PKI.CERT_USER_MISMATCH'
  | 'PKI.CERT_MACHINE_BOUND_TO_OTHER_USER'
  | 'PKI.CERT_BINDING_NOT_ALLOWED'
  | 'PKI.USER_INACTIVE'
  | 'PKI.DIRECTORY_ACCOUNT_DISABLED';

export interface CertificateFacts {
  serial: string;
  userId: string;
  organizationId: string;
  bindingKind: BindingKind;
  status: CertificateStatus;
  notAfter: Date;
  userActive: boolean;
  allowedBindings: readonly string[];
  directoryState: 'enabled' | 'disabled' | 'missing' | null;
}

/**
 * The pure part of the per-request check: given what the database says about the presented certificate, may the
 * principal `userId` use it now? (Directory freshness is checked by the caller before.)
 */
export function refusalFor(facts: CertificateFacts | null, principal: { userId: string | null }, now: Date): CertificateRefusal | null {
  if (!facts) return 'PKI.CERT_UNKNOWN';
  if (facts.status === 'revoked') return 'PKI.CERT_REVOKED';
  if (facts.status === 'on-hold') return 'PKI.CERT_ON_HOLD';
  if (now.getTime() >= facts.notAfter.getTime()) return 'PKI.CERT_EXPIRED';
  if (principal.userId !== null && principal.userId !== facts.userId) {
    return facts.bindingKind === 'machine' ? 'PKI.CERT_MACHINE_BOUND_TO_OTHER_USER' : 'PKI.CERT_USER_MISMATCH';
  }
  if (!facts.userActive) return 'PKI.USER_INACTIVE';
  if (!facts.allowedBindings.includes(facts.bindingKind)) return 'PKI.CERT_BINDING_NOT_ALLOWED';
  if (facts.bindingKind === 'directory' && facts.directoryState !== 'enabled') return 'PKI.DIRECTORY_ACCOUNT_DISABLED';
  return null;
}

export const REFUSAL_TEXT: Record<CertificateRefusal, string> = {
  'PKI.CERT_UNKNOWN': 'the client certificate was not issued by this platform',
  'PKI.CERT_REVOKED': 'the client certificate is revoked',
  'PKI.CERT_ON_HOLD': 'the client certificate is suspended (directory account disabled)',
  'PKI.CERT_EXPIRED': 'the client certificate has expired',
  'PKI.CERT_USER_MISMATCH': 'the client certificate belongs to another user',
  'PKI.CERT_MACHINE_BOUND_TO_OTHER_USER': 'this machine certificate is bound to another user',
  'PKI.CERT_BINDING_NOT_ALLOWED': "the organization's policy does not allow this certificate's binding kind",
  'PKI.USER_INACTIVE': 'the certificate owner is deactivated',
  'PKI.DIRECTORY_ACCOUNT_DISABLED': 'the directory account bound to this certificate is disabled',
};
