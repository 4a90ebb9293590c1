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

/** A window of n adjacent seats: run[start .. start + n). */
interface Window {
  run: CandidateSeat[];
  start: number;
  orphans: number;
  score: number;
}

/** The order of rule 2 and 3: no orphan first, then closest to the stage, then lower row, then lower position. */
const better = (a: Window, b: Window): number =>
  (a.orphans > 0 ? 1 : 0) - (b.orphans > 0 ? 1 : 0) ||
  a.score - b.score ||
  a.run[a.start].rowNo - b.run[b.start].rowNo ||
  a.run[a.start].pos - b.run[b.start].pos;

const byPosition = (a: CandidateSeat, b: CandidateSeat): number => a.rowNo - b.rowNo || a.pos - b.pos;

/** True if the seats are already in (row, position) order (the store reads them so): then no copy and no sort. */
function inPositionOrder(free: CandidateSeat[]): boolean {
  for (let i = 1; i < free.length; i++) if (byPosition(free[i - 1], free[i]) > 0) return false;
  return true;
}

/** Splits free seats (any order) into runs of consecutive positions per row. */
export function runsOf(free: CandidateSeat[]): CandidateSeat[][] {
  const sorted = inPositionOrder(free) ? free : [...free].sort(byPosition);
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

/**
 * The k-th best window (0 = best; clipped to the last) in the order of `better`, without building and sorting every
 * window: only the k + 1 best are kept, in order (k is a retry number, at most a few). The order is total (two windows
 * never share row and first position), so this is exactly the k-th of the fully sorted list.
 */
function kthBestWindow(runs: CandidateSeat[][], n: number, k: number): Window | null {
  const top: Window[] = [];
  for (const run of runs) {
    const len = run.length;
    if (len < n) continue;
    for (let start = 0; start + n <= len; start++) {
      let score = 0;
      for (let i = start; i < start + n; i++) score += run[i].rank;
      const w: Window = { run, start, orphans: (start === 1 ? 1 : 0) + (len - n - start === 1 ? 1 : 0), score };
      if (top.length > k && better(w, top[k]) >= 0) continue;
      let i = Math.min(top.length, k);
      while (i > 0 && better(w, top[i - 1]) < 0) i--;
      top.splice(i, 0, w);
      if (top.length > k + 1) top.pop();
    }
  }
  return top.length ? top[Math.min(k, top.length - 1)] : null;
}

export function pickBestAvailable(free: CandidateSeat[], req: BestAvailableRequest): BestAvailablePick | null {
  const n = req.quantity;
  if (!Number.isInteger(n) || n < 1) return null;
  const w = kthBestWindow(runsOf(free), n, Math.max(0, req.variant ?? 0));
  if (w) return { unitNos: w.run.slice(w.start, w.start + n).map((x) => x.unitNo), adjacent: true, orphans: w.orphans };
  if (!req.allowSplit) return null;
  const unique = new Map<number, CandidateSeat>();
  for (const s of free) unique.set(s.unitNo, s);
  if (unique.size < n) return null;
  const best = [...unique.values()].sort((a, b) => a.rank - b.rank || a.rowNo - b.rowNo || a.pos - b.pos);
  const offset = Math.min(req.variant ?? 0, best.length - n);
  return { unitNos: best.slice(offset, offset + n).map((x) => x.unitNo), adjacent: false, orphans: 0 };
}
