import fc from 'fast-check';
import { BACKUP_TIERS, BackupTier } from './backup-types';
import { RetentionEntry, selectForPruning } from './retention';

const entryArb = fc.record({
  n: fc.integer({ min: 0, max: 10_000 }),
  tier: fc.constantFrom<BackupTier>(...BACKUP_TIERS),
  complete: fc.boolean(),
});
const keepArb = fc.record({
  short: fc.integer({ min: 0, max: 5 }),
  daily: fc.integer({ min: 0, max: 5 }),
  weekly: fc.integer({ min: 0, max: 5 }),
  monthly: fc.integer({ min: 0, max: 5 }),
});

describe('GFS retention', () => {
  const toEntries = (raw: { n: number; tier: BackupTier; complete: boolean }[]): RetentionEntry[] => {
    const seen = new Set<string>();
    return raw
      .map((r) => ({ id: `${String(r.n).padStart(6, '0')}-${r.tier}`, tier: r.tier, complete: r.complete }))
      .filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
  };

  it('keeps the newest N complete backups per tier and deletes older ones', () => {
    const entries = toEntries(Array.from({ length: 10 }, (_, i) => ({ n: i, tier: 'short' as const, complete: true })));
    const doomed = selectForPruning(entries, { short: 3, daily: 1, weekly: 1, monthly: 1 });
    expect(doomed.sort()).toEqual(entries.slice(0, 7).map((e) => e.id).sort());
  });

  it('never deletes the only (newest) complete copy of a tier, never a tier without a complete copy, keeps min(N,complete)', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 60 }), keepArb, (raw, keep) => {
        const entries = toEntries(raw);
        const doomed = new Set(selectForPruning(entries, keep));
        for (const tier of BACKUP_TIERS) {
          const complete = entries.filter((e) => e.tier === tier && e.complete).sort((a, b) => (a.id < b.id ? 1 : -1));
          const remaining = complete.filter((e) => !doomed.has(e.id));
          if (complete.length === 0) {
            expect(entries.filter((e) => e.tier === tier && doomed.has(e.id))).toEqual([]);
          } else {
            expect(doomed.has(complete[0].id)).toBe(false);
            expect(remaining.length).toBe(Math.min(Math.max(1, keep[tier]), complete.length));
          }
        }
      }),
    );
  });

  it('leaves an incomplete backup newer than the newest complete one alone (it may still be uploading)', () => {
    const doomed = selectForPruning(
      [
        { id: '1-short', tier: 'short', complete: true },
        { id: '2-short', tier: 'short', complete: false },
        { id: '0-short', tier: 'short', complete: false },
      ],
      { short: 1, daily: 1, weekly: 1, monthly: 1 },
    );
    expect(doomed).toEqual(['0-short']);
  });
});
