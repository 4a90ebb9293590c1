import fc from 'fast-check';
import { advance, formatCursor, parseCursor } from './feed-cursor';

describe('feed cursor', () => {
  it('parse_roundTripsFormat', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 60n }), fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 40 }), { maxLength: 20 }), (xmin, seqs) => {
        const c = parseCursor(formatCursor(xmin, seqs.map(String)));
        expect(c).not.toBeNull();
        expect(c!.xmin).toBe(xmin);
        expect([...c!.seen].sort()).toEqual(seqs.map(String).sort());
      }),
    );
  });

  it('parse_refusesGarbage', () => {
    for (const bad of ['x', '-1', '1.', '1.A', '1.!!', ' 1', '1.2.3', 'ñ']) expect(parseCursor(bad)).toBeNull();
    expect(parseCursor('0')).toEqual({ xmin: 0n, seen: new Set() });
  });

  /**
   * Simulated concurrent writers: transactions get increasing xids and seqs in any interleaving, commit in any order.
   * A reader polling with the cursor must see every committed row exactly once, whatever the commit order.
   */
  it('advance_deliversEveryRowExactlyOnce_whateverTheCommitOrder', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), (commitDelays, readsAt) => {
        // transaction i: xid = 100 + i, one row with seq = 1000 + (i * 7919) % 997 (seq order ≠ xid order), commits at start + delay
        const txs = commitDelays.map((d, i) => ({ xid: 100 + i, seq: String(1000 + ((i * 7919) % 997) * 50 + i), start: i * 10, commit: i * 10 + d }));
        let cursor = parseCursor('0')!;
        const delivered: string[] = [];
        const read = (now: number) => {
          const committed = txs.filter((t) => t.commit <= now);
          const running = txs.filter((t) => t.start <= now && t.commit > now);
          const xmin = running.length ? Math.min(...running.map((t) => t.xid)) : Math.max(100, ...txs.filter((t) => t.start <= now).map((t) => t.xid + 1));
          const rows = committed.filter((t) => BigInt(t.xid) >= cursor.xmin).map((t) => ({ seq: t.seq, xid: String(t.xid) }));
          const { fresh, next } = advance(rows, cursor, String(xmin));
          delivered.push(...fresh.map((r) => r.seq));
          cursor = parseCursor(next)!;
        };
        let now = 0;
        for (const r of readsAt) {
          now += r ? 37 : 5;
          read(now);
        }
        read(1_000_000);
        expect(delivered.sort()).toEqual(txs.map((t) => t.seq).sort());
      }),
    );
  });
});
