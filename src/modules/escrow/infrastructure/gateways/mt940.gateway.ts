import { createHash } from 'node:crypto';
import type { StatementGateway } from '../../domain/payment-gateway';
import { ParsedStatement, parseAmount, StatementLine, statementError } from '../../domain/statement';

const LINE_61 = /^(\d{2})(\d{2})(\d{2})(\d{4})?(RC|RD|C|D)([A-Z])?(\d{1,12},\d{0,2})([NFS][A-Z0-9]{3})([^/]{0,16}?)(?:\/\/(.{0,16}))?(?:\n.*)?$/s;
const BAL = /^([CD])(\d{2})(\d{2})(\d{2})([A-Z]{3})(\d{1,12},\d{0,2})$/;

interface Field {
  tag: string;
  value: string;
  line: number;
}

/** Adapter: SWIFT MT940 customer statement (with German :86: sub-fields ?20–?29 / ?32 / ?31 when present). */
export class Mt940Gateway implements StatementGateway {
  readonly format = 'mt940' as const;

  sniff(raw: Buffer): boolean {
    return /(^|\n):20:/.test(raw.subarray(0, 4096).toString('latin1'));
  }

  parse(raw: Buffer): ParsedStatement {
    const textIn = raw.toString('utf8').includes('\uFFFD') ? raw.toString('latin1') : raw.toString('utf8');
    const fields: Field[] = [];
    textIn.split(/\r?\n/).forEach((l, i) => {
      const m = /^:(\d{2}[A-Z]?):(.*)$/.exec(l);
      if (m) fields.push({ tag: m[1], value: m[2], line: i + 1 });
      else if (l.trim() === '-' || l.trim() === '' || l.startsWith('{') || l.startsWith('}')) return;
      else if (fields.length) fields[fields.length - 1].value += `\n${l}`;
      else throw statementError('STATEMENT_INVALID', `MT940 line ${i + 1}: expected a :tag: field`, { line: i + 1 });
    });
    if (!fields.some((f) => f.tag === '20')) throw statementError('STATEMENT_INVALID', 'MT940 without :20: transaction reference');
    let account: string | null = null;
    let statementId: string | null = null;
    let currency: string | null = null;
    let closing: bigint | null = null;
    let closingDate: string | null = null;
    const lines: StatementLine[] = [];
    const seen = new Map<string, number>();
    const balance = (f: Field) => {
      const m = BAL.exec(f.value.trim());
      if (!m) throw statementError('STATEMENT_INVALID', `MT940 line ${f.line}: :${f.tag}: is not a balance (C|D YYMMDD CCY amount)`, { line: f.line });
      const amt = parseAmount(m[6], `MT940 line ${f.line}`, ',');
      return { amount: m[1] === 'D' ? -amt : amt, date: `20${m[2]}-${m[3]}-${m[4]}`, currency: m[5] };
    };
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      switch (f.tag) {
        case '25':
          account = f.value.trim().replace(/\s/g, '');
          break;
        case '28C':
          statementId = f.value.trim();
          break;
        case '60F':
        case '60M':
          currency = balance(f).currency;
          break;
        case '62F':
        case '62M': {
          const b = balance(f);
          closing = b.amount;
          closingDate = b.date;
          break;
        }
        case '61': {
          const m = LINE_61.exec(f.value.trim());
          if (!m) throw statementError('STATEMENT_INVALID', `MT940 line ${f.line}: :61: statement line is malformed`, { line: f.line });
          if (!currency) throw statementError('STATEMENT_INVALID', `MT940 line ${f.line}: :61: before the opening balance :60F:`, { line: f.line });
          const [, yy, mm, dd, , mark, , amountText, , , bankRefRaw] = m;
          if (Number(mm) < 1 || Number(mm) > 12 || Number(dd) < 1 || Number(dd) > 31) {
            throw statementError('STATEMENT_INVALID', `MT940 line ${f.line}: invalid value date`, { line: f.line });
          }
          const next = fields[i + 1]?.tag === '86' ? fields[i + 1] : null;
          const info = parse86(next?.value ?? '');
          // RC = reversal of a credit (money leaves), RD = reversal of a debit (money comes back): kept, never matched
          const reversal = mark.startsWith('R');
          const amount = parseAmount(amountText, `MT940 line ${f.line}`, ',');
          if (amount <= 0n) continue;
          const bookingDate = `20${yy}-${mm}-${dd}`;
          const direction = mark === 'C' || mark === 'RD' ? 'credit' : 'debit';
          const bankRef = bankRefRaw?.trim() && bankRefRaw.trim() !== 'NONREF' ? bankRefRaw.trim() : null;
          // (a reversal is marked after the joined fields, so every other line keeps the key earlier imports gave it)
          const content = [account, bookingDate, direction, amount, currency, info.remittance, info.iban].join('|') + (reversal ? '|R' : '');
          const nth = (seen.get(content) ?? 0) + 1;
          seen.set(content, nth);
          lines.push({
            key: bankRef ? `mt940:${account}:${bookingDate}:${bankRef}:${amount}${reversal ? ':R' : ''}` : `mt940:sha256:${createHash('sha256').update(`${content}|${nth}`).digest('hex')}`,
            direction,
            amount,
            currency,
            bookingDate,
            remittance: info.remittance,
            structuredReference: null,
            endToEndId: info.endToEndId,
            counterpartyName: info.name,
            counterpartyIban: info.iban,
            reversal,
            returnReason: null,
          });
          break;
        }
        default:
          break;
      }
    }
    return { format: 'mt940', accountIban: account, statementId, currency, closingBalance: closing, closingDate, lines };
  }
}

/** :86: information: German structured form (?00 posting text, ?20–?29 remittance, ?31 IBAN, ?32/?33 name) or free text. */
function parse86(v: string): { remittance: string; name: string | null; iban: string | null; endToEndId: string | null } {
  const flat = v.replace(/\r?\n/g, '');
  if (!/^\d{3}\?/.test(flat)) return { remittance: v, name: null, iban: null, endToEndId: null };
  const sub = new Map<string, string>();
  for (const part of flat.split('?').slice(1)) {
    const key = part.slice(0, 2);
    sub.set(key, (sub.get(key) ?? '') + part.slice(2));
  }
  const rem: string[] = [];
  for (let k = 20; k <= 29; k++) if (sub.has(String(k))) rem.push(sub.get(String(k))!);
  for (let k = 60; k <= 63; k++) if (sub.has(String(k))) rem.push(sub.get(String(k))!);
  const remittance = rem.join('');
  const e2e = /EREF\+(\S+?)(?=[A-Z]{4}\+|$)/.exec(remittance)?.[1] ?? null;
  const name = [sub.get('32'), sub.get('33')].filter(Boolean).join('') || null;
  return { remittance, name, iban: sub.get('31')?.trim() || null, endToEndId: e2e && e2e !== 'NOTPROVIDED' ? e2e : null };
}
