import fc from 'fast-check';
import { CertificateFacts, Pkcs12PasswordPolicyRule, refusalFor } from './certificate-binding';

const facts = (over: Partial<CertificateFacts> = {}): CertificateFacts => ({
  serial: 'a'.repeat(32),
  userId: 'user-a',
  organizationId: 'org',
  bindingKind: 'machine',
  status: 'active',
  notAfter: new Date(Date.now() + 86400_000),
  userActive: true,
  allowedBindings: ['machine', 'directory'],
  directoryState: null,
  ...over,
});

describe('refusalFor', () => {
  const now = new Date();
  it('validCertificateOfTheLoggedInUser_isAccepted', () => {
    expect(refusalFor(facts(), { userId: 'user-a' }, now)).toBeNull();
    expect(refusalFor(facts({ bindingKind: 'directory', directoryState: 'enabled' }), { userId: 'user-a' }, now)).toBeNull();
  });
  it('eachBrokenCondition_hasItsOwnCode', () => {
    expect(refusalFor(null, { userId: 'user-a' }, now)).toBe('PKI.CERT_UNKNOWN');
    expect(refusalFor(facts({ status: 'revoked' }), { userId: 'user-a' }, now)).toBe('PKI.CERT_REVOKED');
    expect(refusalFor(facts({ status: 'on-hold' }), { userId: 'user-a' }, now)).toBe('PKI.CERT_ON_HOLD');
    expect(refusalFor(facts({ notAfter: new Date(now.getTime() - 1) }), { userId: 'user-a' }, now)).toBe('PKI.CERT_EXPIRED');
    expect(refusalFor(facts(), { userId: 'user-b' }, now)).toBe('PKI.CERT_MACHINE_BOUND_TO_OTHER_USER');
    expect(refusalFor(facts({ bindingKind: 'directory', directoryState: 'enabled' }), { userId: 'user-b' }, now)).toBe('PKI.CERT_USER_MISMATCH');
    expect(refusalFor(facts({ userActive: false }), { userId: 'user-a' }, now)).toBe('PKI.USER_INACTIVE');
    expect(refusalFor(facts({ allowedBindings: ['directory'] }), { userId: 'user-a' }, now)).toBe('PKI.CERT_BINDING_NOT_ALLOWED');
    expect(refusalFor(facts({ bindingKind: 'directory', directoryState: 'disabled' }), { userId: 'user-a' }, now)).toBe('PKI.DIRECTORY_ACCOUNT_DISABLED');
    expect(refusalFor(facts({ bindingKind: 'directory', directoryState: 'missing' }), { userId: 'user-a' }, now)).toBe('PKI.DIRECTORY_ACCOUNT_DISABLED');
  });
  it('property_anyOtherUser_isNeverAccepted', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.constantFrom<'machine' | 'directory'>('machine', 'directory'), (other, kind) => {
        fc.pre(other !== 'user-a');
        return refusalFor(facts({ bindingKind: kind, directoryState: 'enabled' }), { userId: other }, now) !== null;
      }),
    );
  });
});

describe('Pkcs12PasswordPolicyRule', () => {
  it('weakPasswords_areRefused', () => {
    for (const p of ['short1', 'onlyletterslongenough', '123456789012345', 'jdoe-secret-12345', '']) {
      expect(new Pkcs12PasswordPolicyRule(p, 'jdoe@example.com').isBroken()).toBe(true);
    }
    expect(new Pkcs12PasswordPolicyRule('Sommer-Kasse-2026', 'jdoe@example.com').isBroken()).toBe(false);
    expect(new Pkcs12PasswordPolicyRule('short1', 'a@b.c').error().code).toBe('PKI.PKCS12_PASSWORD_POLICY');
  });
  it('property_acceptedPasswords_haveLettersDigitsAndLength', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (p) => {
        const ok = !new Pkcs12PasswordPolicyRule(p, 'someone@example.com').isBroken();
        return !ok || (p.length >= 12 && /[A-Za-z]/.test(p) && /[0-9]/.test(p));
      }),
    );
  });
});
