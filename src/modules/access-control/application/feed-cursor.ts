/**
 * Cursors for the live feed and package deltas, exact under concurrency.
 *
 * Every feed row stores the id of the transaction that wrote it (`xid`, PostgreSQL xid8). A read at snapshot S sees
 * every committed row; a row it cannot see belongs to a transaction still running at S or started later, and such a
 * transaction's id is ≥ xmin(S). So the next read only needs rows with xid ≥ xmin(S). Rows with xid ≥ xmin(S) that
 * S did see are remembered in the cursor (by their seq) so they are not sent twice. A sequence number alone would skip
 * a row whose transaction commits after a later one (seq order ≠ commit order).
 *
 * Text form: `<xmin>` or `<xmin>.<seq>,<seq>,…` (seqs in base 36). `0` = from the beginning.
 */
export interface FeedCursor {
  xmin: bigint;
  seen: Set<string>;
}

const MAX_SEEN = 2000;

export function parseCursor(text: string | undefined | null): FeedCursor | null {
  if (text == null || text === '') return null;
  const m = /^(\d{1,20})(?:\.([0-9a-z,]{1,20000}))?$/.exec(text);
  if (!m) return null;
  const seen = new Set<string>();
  if (m[2]) {
    for (const s of m[2].split(',')) {
      if (!/^[0-9a-z]{1,13}$/.test(s)) return null;
      seen.add(BigInt(parseInt(s, 36)).toString());
    }
  }
  return { xmin: BigInt(m[1]), seen };
}

export function formatCursor(xmin: bigint | string, seenSeqs: Iterable<string>): string {
  const list = [...seenSeqs].slice(-MAX_SEEN).map((s) => Number(s).toString(36));
  return list.length ? `${xmin}.${list.join(',')}` : `${xmin}`;
}

/** Given the rows a read returned (seq, xid) and the read's xmin, the rows to send and the next cursor. */
export function advance<R extends { seq: string; xid: string }>(rows: readonly R[], from: FeedCursor, xmin: string) {
  const fresh = rows.filter((r) => !from.seen.has(String(r.seq)));
  const boundary = BigInt(xmin);
  const stillOpen = rows.filter((r) => BigInt(r.xid) >= boundary).map((r) => String(r.seq));
  return { fresh, next: formatCursor(boundary, stillOpen) };
}
