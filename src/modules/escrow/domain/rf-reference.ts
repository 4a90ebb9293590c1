/**
 * ISO 11649 structured creditor reference ("RF" + 2 check digits + up to 21 alphanumerics), check digits by
 * ISO 7064 MOD 97-10 as in IBANs. A single mistyped character (and any transposition of two adjacent characters)
 * changes the remainder, so a typo never yields another valid reference: it cannot match someone else's order.
 */
const BODY = /^[0-9A-Z]{1,21}$/;

/** Letters → numbers (A=10 … Z=35), then the remainder mod 97 computed piecewise (no bigint needed). */
function mod97(s: string): number {
  let rem = 0;
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    const digits = code >= 65 && code <= 90 ? String(code - 55) : ch;
    for (const d of digits) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem;
}

/** Removes spaces, line breaks and separators and upper-cases: "rf18 5390 0754\n7034" → "RF18539007547034". */
export function normalizeReference(s: string): string {
  return s.toUpperCase().replace(/[^0-9A-Z]/g, '');
}

export function creditorReference(body: string): string {
  const b = normalizeReference(body);
  if (!BODY.test(b)) throw new Error(`creditor reference body must be 1-21 alphanumerics: ${body}`);
  const check = 98 - mod97(`${b}RF00`);
  return `RF${String(check).padStart(2, '0')}${b}`;
}

export function isValidCreditorReference(ref: string): boolean {
  const r = normalizeReference(ref);
  if (!/^RF[0-9]{2}[0-9A-Z]{1,21}$/.test(r)) return false;
  return mod97(`${r.slice(4)}${r.slice(0, 4)}`) === 1;
}

/** Printed form in groups of four: "RF18 5390 0754 7034". */
export function formatCreditorReference(ref: string): string {
  return normalizeReference(ref).replace(/(.{4})/g, '$1 ').trim();
}

/**
 * Finds valid creditor references of a known body length in free remittance text, tolerant of spaces, case, line
 * breaks and separators ("rf 18 5390-0754 7034" matches). Only check-digit-valid candidates are returned.
 */
export function findCreditorReferences(text: string, bodyLength: number): string[] {
  const t = normalizeReference(text);
  const found = new Set<string>();
  for (let i = t.indexOf('RF'); i >= 0; i = t.indexOf('RF', i + 1)) {
    const cand = t.slice(i, i + 4 + bodyLength);
    if (cand.length === 4 + bodyLength && isValidCreditorReference(cand)) found.add(cand);
  }
  return [...found];
}

/** Our payment references: 14-digit numeric bodies from a database sequence → RF + 2 + 14 = 18 characters. */
export const PAYMENT_REFERENCE_BODY_LENGTH = 14;
export function paymentReferenceFromSequence(n: bigint | number): string {
  return creditorReference(String(n).padStart(PAYMENT_REFERENCE_BODY_LENGTH, '0'));
}
