import { DomainError } from '../../../shared-kernel/domain-error';

/** ISO 13616 IBAN check: country + 2 check digits + BBAN, MOD 97-10 of the rearranged string must be 1. */
export function isValidIban(raw: string): boolean {
  const iban = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  let rem = 0;
  for (const ch of iban.slice(4) + iban.slice(0, 4)) {
    const code = ch.charCodeAt(0);
    const digits = code >= 65 && code <= 90 ? String(code - 55) : ch;
    for (const d of digits) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

export interface SepaMandateInput {
  mandateId?: string;
  signedOn?: string;
  debtorName?: string;
  debtorIban?: string;
  debtorBic?: string | null;
}

export interface SepaMandate {
  mandateId: string;
  signedOn: string; // YYYY-MM-DD
  debtorName: string;
  debtorIban: string;
  debtorBic: string | null;
}

/** Mandate reference: up to 35 characters of the SEPA character set (EPC rulebook, no spaces). */
const MANDATE_ID = /^[A-Za-z0-9+?/\-:().,']{1,35}$/;

/**
 * Validates an office's SEPA direct-debit mandate (office = debtor). Missing fields → ESCROW.MANDATE_FIELD_MISSING
 * (400); malformed values → ESCROW.MANDATE_INVALID (400); an IBAN whose checksum fails → ESCROW.IBAN_INVALID (422).
 */
export function validateMandate(input: SepaMandateInput, today: Date): SepaMandate {
  const missing = (['mandateId', 'signedOn', 'debtorName', 'debtorIban'] as const).filter((k) => !input[k] || !String(input[k]).trim());
  if (missing.length) throw new DomainError('ESCROW.MANDATE_FIELD_MISSING', `missing: ${missing.join(', ')}`, 'validation', { missing });
  const mandateId = input.mandateId!.trim();
  if (!MANDATE_ID.test(mandateId)) throw new DomainError('ESCROW.MANDATE_INVALID', 'mandateId must be 1-35 SEPA characters without spaces', 'validation', { field: 'mandateId' });
  const signedOn = input.signedOn!.trim();
  const d = /^\d{4}-\d{2}-\d{2}$/.test(signedOn) ? new Date(`${signedOn}T00:00:00Z`) : null;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== signedOn)
    throw new DomainError('ESCROW.MANDATE_INVALID', 'signedOn must be a date YYYY-MM-DD', 'validation', { field: 'signedOn' });
  if (signedOn > today.toISOString().slice(0, 10)) throw new DomainError('ESCROW.MANDATE_INVALID', 'signedOn must not be in the future', 'validation', { field: 'signedOn' });
  const debtorName = input.debtorName!.trim();
  if (debtorName.length > 70) throw new DomainError('ESCROW.MANDATE_INVALID', 'debtorName must be at most 70 characters', 'validation', { field: 'debtorName' });
  const debtorIban = input.debtorIban!.replace(/\s+/g, '').toUpperCase();
  if (!isValidIban(debtorIban)) throw new DomainError('ESCROW.IBAN_INVALID', 'debtorIban is not a valid IBAN (format or check digits)', 'unprocessable', { field: 'debtorIban' });
  const bic = input.debtorBic ? input.debtorBic.trim().toUpperCase() : null;
  if (bic && !/^[A-Z0-9]{8}([A-Z0-9]{3})?$/.test(bic)) throw new DomainError('ESCROW.MANDATE_INVALID', 'debtorBic must be a BIC (8 or 11 characters)', 'validation', { field: 'debtorBic' });
  return { mandateId, signedOn, debtorName, debtorIban, debtorBic: bic };
}
