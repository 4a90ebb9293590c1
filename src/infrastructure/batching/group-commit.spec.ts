import { GroupCommit } from './group-commit';

const tick = () => new Promise((r) => setImmediate(r));

/** A run function whose batches finish only when the test says so. */
function controlledRun<R>() {
  const batches: { requests: R[]; finish: (results: unknown[] | Error) => void }[] = [];
  const run = (requests: R[]) =>
    new Promise<unknown[]>((resolve, reject) => batches.push({ requests, finish: (r) => (r instanceof Error ? reject(r) : resolve(r)) }));
  return { batches, run };
}

describe('GroupCommit', () => {
  it('loneRequest_goesOutAtOnce_asABatchOfOne', async () => {
    const gc = new GroupCommit<number, number>({ maxBatch: 10, run: async (b) => b.map((x) => x * 2) });
    await expect(gc.submit('a', 21)).resolves.toBe(42);
    expect(gc.activeLanes).toBe(0);
  });

  it('requestsArrivingWhileABatchRuns_goTogetherIntoTheNext_inArrivalOrder_upToMaxBatch', async () => {
    const { batches, run } = controlledRun<number>();
    const gc = new GroupCommit<number, unknown>({ maxBatch: 3, run });
    const results = [1, 2, 3, 4, 5, 6].map((n) => gc.submit('lane', n));
    await tick();
    expect(batches.map((b) => b.requests)).toEqual([[1]]); // one in flight per lane
    batches[0].finish(['r1']);
    await tick();
    expect(batches.map((b) => b.requests)).toEqual([[1], [2, 3, 4]]);
    batches[1].finish(['r2', 'r3', 'r4']);
    await tick();
    batches[2].finish(['r5', 'r6']);
    expect(await Promise.all(results)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(gc.activeLanes).toBe(0);
  });

  it('lanesAreIndependent_andParallelismBoundsBatchesInFlightPerLane', async () => {
    const { batches, run } = controlledRun<string>();
    const gc = new GroupCommit<string, unknown>({ maxBatch: 10, parallelism: 2, run });
    ['a1', 'a2', 'a3'].forEach((x) => void gc.submit('a', x));
    void gc.submit('b', 'b1');
    await tick();
    expect(batches.map((b) => b.requests)).toEqual([['a1'], ['a2'], ['b1']]);
    batches[0].finish([0]);
    await tick();
    expect(batches.map((b) => b.requests)).toEqual([['a1'], ['a2'], ['b1'], ['a3']]);
  });

  it('aFailedBatch_rejectsEveryRequestInIt_andTheLaneGoesOn', async () => {
    const { batches, run } = controlledRun<number>();
    const gc = new GroupCommit<number, unknown>({ maxBatch: 5, run });
    const first = gc.submit('l', 1);
    const second = [2, 3].map((n) => gc.submit('l', n));
    await tick();
    batches[0].finish(['ok']);
    await tick();
    batches[1].finish(new Error('statement failed'));
    await expect(first).resolves.toBe('ok');
    for (const p of second) await expect(p).rejects.toThrow('statement failed');
    const later = gc.submit('l', 4);
    await tick();
    batches[2].finish(['later']);
    await expect(later).resolves.toBe('later');
  });

  it('selector_keepsConflictingRequestsForALaterBatch_andAnEmptyChoiceStillProgresses', async () => {
    const { batches, run } = controlledRun<{ id: number; key: string }>();
    const oneOfEachKey = <T extends { key: string }>(queue: readonly T[]): T[] => {
      const seen = new Set<string>();
      return queue.filter((r) => !seen.has(r.key) && !!seen.add(r.key));
    };
    const gc = new GroupCommit<{ id: number; key: string }, unknown>({ maxBatch: 10, run, select: oneOfEachKey });
    [{ id: 0, key: 'z' }, { id: 1, key: 'x' }, { id: 2, key: 'x' }, { id: 3, key: 'y' }].forEach((r) => void gc.submit('l', r));
    await tick();
    batches[0].finish([0]);
    await tick();
    expect(batches[1].requests.map((r) => r.id)).toEqual([1, 3]);
    batches[1].finish([1, 3]);
    await tick();
    expect(batches[2].requests.map((r) => r.id)).toEqual([2]);

    const stuck = new GroupCommit<number, number>({ maxBatch: 10, run: async (b) => b, select: () => [] });
    await expect(Promise.all([stuck.submit('s', 7), stuck.submit('s', 8)])).resolves.toEqual([7, 8]);
  });
  it('callbackRequests_batchLikePromiseOnes_andEachCallbackRunsOnce', async () => {
    const { batches, run } = controlledRun<number>();
    const gc = new GroupCommit<number, unknown>({ maxBatch: 5, run });
    const got: string[] = [];
    const cb = (e: unknown, v: unknown) => got.push(e ? `error ${(e as Error).message}` : `ok ${String(v)}`);
    gc.submitWithCallback('l', 1, cb);
    gc.submitWithCallback('l', 2, cb);
    const viaPromise = gc.submit('l', 3);
    await tick();
    batches[0].finish(['r1']);
    await tick();
    expect(batches.map((b) => b.requests)).toEqual([[1], [2, 3]]);
    batches[1].finish(new Error('db down'));
    await expect(viaPromise).rejects.toThrow('db down');
    expect(got).toEqual(['ok r1', 'error db down']);
    expect(gc.activeLanes).toBe(0);
  });
});
