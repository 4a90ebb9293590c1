import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { StatementGateway } from '../../domain/payment-gateway';
import { ParsedStatement, parseAmount, StatementLine, statementError } from '../../domain/statement';

const NS = /^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(0[2-9]|1[0-3])$/;
const ARRAYS = new Set(['Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Bal', 'Ustrd', 'Strd', 'RltdPties']);

type Node = Record<string, any>;
const text = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') return text((v as Node)['#text']);
  const s = String(v).trim();
  return s === '' ? null : s;
};
const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Adapter: ISO 20022 camt.053 (bank-to-customer statement), versions 02–13 (same entry structure). */
export class Camt053Gateway implements StatementGateway {
  readonly format = 'camt.053' as const;

  sniff(raw: Buffer): boolean {
    const head = raw.subarray(0, 2048).toString('utf8').trimStart();
    return head.startsWith('<');
  }

  parse(raw: Buffer): ParsedStatement {
    const xml = raw.toString('utf8');
    const valid = XMLValidator.validate(xml);
    if (valid !== true) {
      throw statementError('STATEMENT_MALFORMED', `malformed XML at line ${valid.err.line}: ${valid.err.msg}`, { line: valid.err.line });
    }
    // Entities are not expanded (no XXE / billion laughs); values stay strings (no float amounts).
    const doc = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false, processEntities: false, isArray: (n) => ARRAYS.has(n) }).parse(xml) as Node;
    const root = doc.Document as Node | undefined;
    const ns = rootNamespace(xml);
    if (!root || typeof ns !== 'string' || !NS.test(ns)) {
      throw statementError('STATEMENT_WRONG_NAMESPACE', `not a camt.053 document (namespace ${ns ?? 'missing'}; expected urn:iso:std:iso:20022:tech:xsd:camt.053.001.xx)`);
    }
    const stmts = arr<Node>(root.BkToCstmrStmt?.Stmt);
    if (stmts.length === 0) throw statementError('STATEMENT_INVALID', 'camt.053 without a statement (BkToCstmrStmt/Stmt)');
    const lines: StatementLine[] = [];
    let last: Pick<ParsedStatement, 'accountIban' | 'statementId' | 'currency' | 'closingBalance' | 'closingDate'> = {
      accountIban: null,
      statementId: null,
      currency: null,
      closingBalance: null,
      closingDate: null,
    };
    stmts.forEach((st, si) => {
      const iban = text(st.Acct?.Id?.IBAN);
      const acctCcy = text(st.Acct?.Ccy);
      const seen = new Map<string, number>();
      let closing: bigint | null = null;
      let closingDate: string | null = null;
      let closingCcy: string | null = null;
      for (const bal of arr<Node>(st.Bal)) {
        const code = text(bal.Tp?.CdOrPrtry?.Cd);
        if (code === 'CLBD') {
          const amt = parseAmount(text(bal.Amt) ?? '', `Stmt[${si}]/Bal/Amt`);
          closing = text(bal.CdtDbtInd) === 'DBIT' ? -amt : amt;
          closingDate = text(bal.Dt?.Dt) ?? text(bal.Dt?.DtTm)?.slice(0, 10) ?? null;
          closingCcy = text(bal.Amt?.['@_Ccy']);
        }
      }
      arr<Node>(st.Ntry).forEach((n, ni) => {
        const where = `Stmt[${si}]/Ntry[${ni}]`;
        const status = text(n.Sts?.Cd) ?? text(n.Sts);
        if (status && status !== 'BOOK') return; // pending / informational entries are not money yet
        const ind = text(n.CdtDbtInd);
        if (ind !== 'CRDT' && ind !== 'DBIT') throw statementError('STATEMENT_INVALID', `${where}: CdtDbtInd must be CRDT or DBIT`, { where });
        const reversal = text(n.RvslInd) === 'true'; // the bank takes back an earlier booking (kept, never matched)
        const ntryAmt = parseAmount(text(n.Amt) ?? '', `${where}/Amt`);
        const ccy = text(n.Amt?.['@_Ccy']);
        if (!ccy || !/^[A-Z]{3}$/.test(ccy)) throw statementError('STATEMENT_INVALID', `${where}: amount without currency`, { where });
        const bookingDate = text(n.BookgDt?.Dt) ?? text(n.BookgDt?.DtTm)?.slice(0, 10) ?? null;
        const txs = arr<Node>(n.NtryDtls).flatMap((d) => arr<Node>(d.TxDtls));
        const parts = txs.length ? txs : [null];
        parts.forEach((tx, ti) => {
          const amount = tx && (tx.Amt || tx.AmtDtls) ? parseAmount(text(tx.Amt ?? tx.AmtDtls?.TxAmt?.Amt) ?? '', `${where}/TxDtls[${ti}]/Amt`) : ntryAmt;
          const rmt = tx?.RmtInf as Node | undefined;
          const ustrd = arr<unknown>(rmt?.Ustrd).map(text).filter(Boolean) as string[];
          const strdRefs = arr<Node>(rmt?.Strd)
            .map((s) => text(s.CdtrRefInf?.Ref))
            .filter(Boolean) as string[];
          const party = ind === 'CRDT' ? tx?.RltdPties?.[0]?.Dbtr : tx?.RltdPties?.[0]?.Cdtr;
          const partyAcct = ind === 'CRDT' ? tx?.RltdPties?.[0]?.DbtrAcct : tx?.RltdPties?.[0]?.CdtrAcct;
          const e2e = text(tx?.Refs?.EndToEndId);
          const bankRef = text(tx?.Refs?.AcctSvcrRef) ?? text(n.AcctSvcrRef) ?? text(n.NtryRef);
          const remittance = [...strdRefs, ...ustrd].join('\n');
          const line: Omit<StatementLine, 'key'> = {
            direction: ind === 'CRDT' ? 'credit' : 'debit',
            amount,
            currency: ccy,
            bookingDate,
            remittance,
            structuredReference: strdRefs[0] ?? null,
            endToEndId: e2e && e2e !== 'NOTPROVIDED' ? e2e : null,
            counterpartyName: text(party?.Nm) ?? text(party?.Pty?.Nm),
            counterpartyIban: text(partyAcct?.Id?.IBAN),
            reversal,
            returnReason: text(tx?.RtrInf?.Rsn?.Cd) ?? text(tx?.RtrInf?.Rsn?.Prtry) ?? (tx?.RtrInf ? 'NARR' : null),
          };
          if (amount <= 0n) return;
          // (a reversal is marked after the joined fields, so every other line keeps the key earlier imports gave it)
          const content = [iban, bookingDate, line.direction, amount, ccy, remittance, e2e, line.counterpartyIban].join('|') + (reversal ? '|R' : '');
          const nth = (seen.get(content) ?? 0) + 1;
          seen.set(content, nth);
          const key = bankRef
            ? `camt:${iban}:${bankRef}${parts.length > 1 ? `:${ti}` : ''}${reversal ? ':R' : ''}`
            : `camt:sha256:${createHash('sha256').update(`${content}|${nth}`).digest('hex')}`;
          lines.push({ key, ...line });
        });
      });
      last = { accountIban: iban, statementId: text(st.Id), currency: closingCcy ?? acctCcy, closingBalance: closing, closingDate };
    });
    return { format: 'camt.053', ...last, lines };
  }
}

/** The namespace of the root Document element (default or prefixed), read from its start tag. */
function rootNamespace(xml: string): string | null {
  const m = /<(?:([A-Za-z_][\w.-]*):)?Document\b([^>]*)>/.exec(xml);
  if (!m) return null;
  const attr = m[1] ? `xmlns:${m[1]}` : 'xmlns';
  const a = new RegExp(`\\s${attr.replace('.', '\\.')}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(m[2]);
  return a ? (a[2] ?? a[3]) : null;
}
