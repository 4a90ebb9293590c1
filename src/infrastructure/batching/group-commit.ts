/** Chooses the requests of the next batch from a lane's queue (arrival order); the others wait for a later batch. */
export type BatchSelector<R> = (queue: readonly R[], maxBatch: number) => R[];

export interface GroupCommitOptions<R, T> {
  /** At most this many requests per batch. */
  maxBatch: number;
  /** Batches of one lane in flight at once (default 1: the next batch forms while one runs). */
  parallelism?: number;
  /** Runs one batch (e.g. ONE SQL statement; requests in arrival order); returns one result per request, in that order. */
  run: (batch: R[]) => Promise<T[]>;
  /** Which queued requests go into the next batch (default: the first `maxBatch`). */
  select?: BatchSelector<R>;
}

interface Pending<R, T> {
  request: R;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

const firstN = <R>(queue: readonly R[], maxBatch: number): R[] => queue.slice(0, maxBatch);

/**
 * Group commit for hot write paths: requests with the same lane key that arrive while a batch of that lane is in
 * flight are queued and then run together as one batch — N concurrent requests cost one round trip and one commit
 * instead of N. There is no timer: a lone request goes out at once as a batch of one; batching only happens under
 * concurrency. If a batch fails, every request in it is rejected with that error; the lane goes on with the next.
 * In-process only: each instance batches its own requests (correctness lives in the statement, not here).
 */
export class GroupCommit<R, T> {
  private readonly lanes = new Map<string, { inFlight: number; queue: Pending<R, T>[] }>();
  private readonly parallelism: number;
  private readonly select: BatchSelector<R>;

  constructor(private readonly opts: GroupCommitOptions<R, T>) {
    this.parallelism = opts.parallelism ?? 1;
    this.select = opts.select ?? firstN;
  }

  submit(lane: string, request: R): Promise<T> {
    return new Promise<T>((resolve, reject) => this.enqueue(lane, { request, resolve, reject }));
  }

  /** As `submit`, with a Node-style callback instead of a promise (for callback APIs: no promise per request). */
  submitWithCallback(lane: string, request: R, cb: (err: unknown, value: T | null) => void): void {
    this.enqueue(lane, { request, resolve: (v) => cb(null, v), reject: (e) => cb(e, null) });
  }

  private enqueue(lane: string, pending: Pending<R, T>): void {
    let l = this.lanes.get(lane);
    if (!l) {
      l = { inFlight: 0, queue: [] };
      this.lanes.set(lane, l);
    }
    l.queue.push(pending);
    if (l.inFlight < this.parallelism) void this.drain(lane, l);
  }

  /** Lanes with queued or running batches (for tests and metrics). */
  get activeLanes(): number {
    return this.lanes.size;
  }

  private async drain(key: string, lane: { inFlight: number; queue: Pending<R, T>[] }): Promise<void> {
    lane.inFlight++;
    try {
      while (lane.queue.length) {
        const chosen = new Set(this.select(lane.queue.map((p) => p.request), this.opts.maxBatch));
        // in arrival order; a selector that chose nothing still makes progress with the oldest request
        const batch = chosen.size ? lane.queue.filter((p) => chosen.has(p.request)) : lane.queue.slice(0, 1);
        const taken = new Set(batch);
        lane.queue = lane.queue.filter((p) => !taken.has(p));
        let results: T[] | undefined;
        let error: unknown;
        try {
          results = await this.opts.run(batch.map((p) => p.request));
        } catch (e) {
          error = e;
        }
        batch.forEach((p, i) => {
          try {
            if (results) p.resolve(results[i]);
            else p.reject(error);
          } catch (e) {
            // a callback that throws is a bug of its caller: surface it, but still answer the rest of the batch
            process.nextTick(() => {
              throw e;
            });
          }
        });
      }
    } finally {
      lane.inFlight--;
      if (lane.inFlight === 0 && lane.queue.length === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
    }
  }
}
