/**
 * Best-available seat selection: pure, deterministic, no I/O. The database still decides (the chosen seats are taken
 * with one conditional UPDATE); this only proposes which seats to try.
 *
 * Rules, in order:
 * 1. N seats adjacent in one row (consecutive positions; a gap in positions is an aisle);
 * 2. among those, prefer blocks that do not leave a single orphaned free seat beside them in the row;
 * 3. then the block closest to the stage (lowest sum of seat ranks), then lower row, then lower position;
 * 4. only if the caller allows it and no adjacent block exists: the N best-ranked seats, wherever they are.
 */
export interface CandidateSeat {
  unitNo: number;
  rowNo: number;
  pos: number;
  /** 0 = best (closest to the stage). */
  rank: number;
}

export interface BestAvailableRequest {
  quantity: number;
  allowSplit: boolean;
  /** 0 picks the best block; k > 0 the k-th best (clipped), used to spread retries under contention. */
  variant?: number;
}

export interface BestAvailablePick {
  unitNos: number[];
  adjacent: boolean;
  orphans: number;
}

interface Window {
  seats: CandidateSeat[];
  orphans: number;
  score: number;
}

/** Splits free seats into runs of consecutive positions per row. */
export function runsOf(free: CandidateSeat[]): CandidateSeat[][] {
  const sorted = [...free].sort((a, b) => a.rowNo - b.rowNo || a.pos - b.pos);
  const runs: CandidateSeat[][] = [];
  let run: CandidateSeat[] = [];
  for (const s of sorted) {
    const last = run[run.length - 1];
    if (last && last.rowNo === s.rowNo && s.pos === last.pos + 1) run.push(s);
    else if (last && last.rowNo === s.rowNo && s.pos === last.pos) continue; // duplicate position: ignore
    else {
      if (run.length) runs.push(run);
      run = [s];
    }
  }
  if (run.length) runs.push(run);
  return runs;
}

export function pickBestAvailable(free: CandidateSeat[], req: BestAvailableRequest): BestAvailablePick | null {
  const n = req.quantity;
  if (!Number.isInteger(n) || n < 1) return null;
  const windows: Window[] = [];
  for (const run of runsOf(free)) {
    const len = run.length;
    for (let s = 0; s + n <= len; s++) {
      const seats = run.slice(s, s + n);
      const orphans = (s === 1 ? 1 : 0) + (len - n - s === 1 ? 1 : 0);
      windows.push({ seats, orphans, score: seats.reduce((acc, x) => acc + x.rank, 0) });
    }
  }
  if (windows.length > 0) {
    windows.sort(
      (a, b) =>
        (a.orphans > 0 ? 1 : 0) - (b.orphans > 0 ? 1 : 0) ||
        a.score - b.score ||
        a.seats[0].rowNo - b.seats[0].rowNo ||
        a.seats[0].pos - b.seats[0].pos,
    );
    const w = windows[Math.min(req.variant ?? 0, windows.length - 1)];
    return { unitNos: w.seats.map((x) => x.unitNo), adjacent: true, orphans: w.orphans };
  }
  if (!req.allowSplit) return null;
  const unique = new Map<number, CandidateSeat>();
  for (const s of free) unique.set(s.unitNo, s);
  if (unique.size < n) return null;
  const best = [...unique.values()].sort((a, b) => a.rank - b.rank || a.rowNo - b.rowNo || a.pos - b.pos);
  const offset = Math.min(req.variant ?? 0, best.length - n);
  return { unitNos: best.slice(offset, offset + n).map((x) => x.unitNo), adjacent: false, orphans: 0 };
}
