import fc from 'fast-check';
import { CandidateSeat, pickBestAvailable, runsOf } from './best-available';

/** Random hall: rows of up to 14 positions, each free with some probability; rank grows with row then distance from the middle. */
const hall = fc
  .array(fc.array(fc.boolean(), { minLength: 1, maxLength: 14 }), { minLength: 1, maxLength: 8 })
  .map((rows) => {
    const seats: CandidateSeat[] = [];
    let unitNo = 0;
    rows.forEach((row, r) =>
      row.forEach((free, p) => {
        if (free) seats.push({ unitNo, rowNo: r, pos: p, rank: r * 100 + Math.abs(p - row.length / 2) * 2 });
        unitNo++;
      }),
    );
    return seats;
  });

const windowsOf = (free: CandidateSeat[], n: number) =>
  runsOf(free).flatMap((run) =>
    Array.from({ length: Math.max(0, run.length - n + 1) }, (_, s) => ({
      seats: run.slice(s, s + n),
      orphans: (s === 1 ? 1 : 0) + (run.length - n - s === 1 ? 1 : 0),
    })),
  );

/** The straightforward version (every window built, all sorted): the oracle for the selection that keeps only the k + 1 best. */
function referencePick(free: CandidateSeat[], n: number, variant: number): { unitNos: number[]; orphans: number } | null {
  const windows = windowsOf(free, n).map((w) => ({ ...w, score: w.seats.reduce((acc, x) => acc + x.rank, 0) }));
  if (!windows.length) return null;
  windows.sort(
    (a, b) =>
      (a.orphans > 0 ? 1 : 0) - (b.orphans > 0 ? 1 : 0) || a.score - b.score || a.seats[0].rowNo - b.seats[0].rowNo || a.seats[0].pos - b.seats[0].pos,
  );
  const w = windows[Math.min(variant, windows.length - 1)];
  return { unitNos: w.seats.map((x) => x.unitNo), orphans: w.orphans };
}

describe('pickBestAvailable', () => {

  it('pick_doesNotDependOnTheOrderTheSeatsComeIn', () => {
    fc.assert(
      fc.property(hall, fc.integer({ min: 1, max: 6 }), fc.boolean(), fc.nat(3), fc.nat(), (free, n, allowSplit, variant, seed) => {
        // the store hands seats over in (row, position) order; any other order must give the same pick
        const shuffled = [...free].sort((a, b) => ((a.unitNo * 2654435761 + seed) % 1009) - ((b.unitNo * 2654435761 + seed) % 1009));
        expect(pickBestAvailable(shuffled, { quantity: n, allowSplit, variant })).toEqual(pickBestAvailable(free, { quantity: n, allowSplit, variant }));
        expect(runsOf(shuffled)).toEqual(runsOf(free));
      }),
    );
  });
  it('adjacentPick_isTheKthOfAllWindowsFullySorted_forEveryRetryVariant', () => {
    fc.assert(
      fc.property(hall, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 8 }), (free, n, variant) => {
        const ref = referencePick(free, n, variant);
        const got = pickBestAvailable(free, { quantity: n, allowSplit: false, variant });
        expect(got ? { unitNos: got.unitNos, orphans: got.orphans } : null).toEqual(ref);
        if (got) expect(got.adjacent).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('pick_isExactlyNDistinctFreeSeats_adjacentInOneRowWhenPossible', () => {
    fc.assert(
      fc.property(hall, fc.integer({ min: 1, max: 6 }), fc.boolean(), (free, n, allowSplit) => {
        const pick = pickBestAvailable(free, { quantity: n, allowSplit });
        const windows = windowsOf(free, n);
        if (!pick) return windows.length === 0 && (!allowSplit || free.length < n);
        const byNo = new Map(free.map((s) => [s.unitNo, s]));
        const chosen = pick.unitNos.map((u) => byNo.get(u)!);
        if (new Set(pick.unitNos).size !== n || chosen.some((c) => !c)) return false;
        if (windows.length > 0) {
          // adjacent: one row, consecutive positions
          if (!pick.adjacent) return false;
          const sorted = [...chosen].sort((a, b) => a.pos - b.pos);
          return sorted.every((s, i) => s.rowNo === sorted[0].rowNo && s.pos === sorted[0].pos + i);
        }
        return allowSplit && !pick.adjacent;
      }),
    );
  });

  it('pick_avoidsSingleOrphans_andIsClosestToStage_amongOrphanFreeBlocks', () => {
    fc.assert(
      fc.property(hall, fc.integer({ min: 1, max: 5 }), (free, n) => {
        const pick = pickBestAvailable(free, { quantity: n, allowSplit: false });
        const windows = windowsOf(free, n);
        if (!pick) return windows.length === 0;
        const score = (units: number[]) => units.reduce((a, u) => a + free.find((s) => s.unitNo === u)!.rank, 0);
        const clean = windows.filter((w) => w.orphans === 0);
        if (clean.length > 0) {
          if (pick.orphans !== 0) return false;
          const best = Math.min(...clean.map((w) => score(w.seats.map((s) => s.unitNo))));
          return score(pick.unitNos) === best;
        }
        const best = Math.min(...windows.map((w) => score(w.seats.map((s) => s.unitNo))));
        return score(pick.unitNos) === best;
      }),
    );
  });

  it('pick_ofTwoInRowOfThree_leavesTheOrphanOnlyIfUnavoidable', () => {
    const row = (positions: number[], rowNo = 0): CandidateSeat[] => positions.map((p) => ({ unitNo: rowNo * 100 + p, rowNo, pos: p, rank: rowNo * 10 + p }));
    // Row 0 has three seats: any pair leaves one alone. Row 1 has four: a clean pair exists.
    const pick = pickBestAvailable([...row([0, 1, 2], 0), ...row([0, 1, 2, 3], 1)], { quantity: 2, allowSplit: false });
    expect(pick).toMatchObject({ unitNos: [100, 101], orphans: 0 });
    const only = pickBestAvailable(row([0, 1, 2]), { quantity: 2, allowSplit: false });
    expect(only?.orphans).toBe(1);
    expect(pickBestAvailable(row([0, 2, 4]), { quantity: 2, allowSplit: false })).toBeNull();
    expect(pickBestAvailable(row([0, 2, 4]), { quantity: 2, allowSplit: true })).toMatchObject({ adjacent: false, unitNos: [0, 2] });
  });
});
