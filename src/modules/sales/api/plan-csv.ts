import { SalesErrors } from '../domain/sales-errors';

/** Splits one CSV line (RFC 4180 quoting: "a,b" and "" for a quote). */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',' || ch === ';') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

const REQUIRED = ['block', 'row', 'seat', 'x', 'y', 'category'] as const;
const TRUE = new Set(['1', 'true', 'yes', 'y', 'x', 'ja']);

/**
 * CSV seating plan → the JSON plan shape (then validated like a JSON upload). Header row required; columns
 * `block,row,seat,x,y,category` plus optional `wheelchair,companion,position`; `,` or `;` separated. Blocks and rows
 * keep the order in which they first appear.
 */
export function planFromCsv(csv: string, name: string, stage: { x: number; y: number } | null) {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw SalesErrors.invalidPlan('CSV needs a header row and at least one seat');
  const header = fields(lines[0]).map((h) => h.toLowerCase());
  const col = (n: string) => header.indexOf(n);
  const missing = REQUIRED.filter((r) => col(r) < 0);
  if (missing.length) throw SalesErrors.invalidPlan(`CSV header lacks: ${missing.join(', ')}`);
  const blocks = new Map<string, Map<string, Record<string, unknown>[]>>();
  for (let i = 1; i < lines.length; i++) {
    const f = fields(lines[i]);
    const get = (n: string) => (col(n) >= 0 ? (f[col(n)] ?? '') : '');
    const num = (n: string) => {
      const v = Number(get(n));
      if (get(n) === '' || !Number.isFinite(v)) throw SalesErrors.invalidPlan(`line ${i + 1}: ${n} is not a number`);
      return v;
    };
    const seat: Record<string, unknown> = { label: get('seat'), x: num('x'), y: num('y'), category: get('category') };
    if (TRUE.has(get('wheelchair').toLowerCase())) seat.wheelchair = true;
    if (TRUE.has(get('companion').toLowerCase())) seat.companion = true;
    if (get('position') !== '') seat.position = num('position');
    const block = get('block');
    if (!blocks.has(block)) blocks.set(block, new Map());
    const rows = blocks.get(block)!;
    if (!rows.has(get('row'))) rows.set(get('row'), []);
    rows.get(get('row'))!.push(seat);
  }
  return {
    name,
    stage,
    blocks: [...blocks.entries()].map(([b, rows]) => ({ name: b, rows: [...rows.entries()].map(([label, seats]) => ({ label, seats })) })),
    areas: [],
  };
}
