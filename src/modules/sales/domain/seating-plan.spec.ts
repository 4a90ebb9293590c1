import { layOutPlan } from './seating-plan';

describe('layOutPlan', () => {
  const seat = (label: string, x: number, extra = {}) => ({ label, x, y: 0, category: 'A', ...extra });

  it('ranksByDistanceToStage_andKeepsAislesAsGaps', () => {
    const l = layOutPlan(
      {
        name: 'p',
        stage: { x: 0, y: -10 },
        blocks: [{ name: 'B', rows: [{ label: '1', seats: [seat('1', 0), seat('2', 1), seat('3', 5, { position: 3 })] }] }],
        areas: [{ name: 'GA', category: 'G', capacity: 10 }],
      },
      1000,
    );
    expect(l.seats.map((s) => [s.seatLabel, s.pos, s.rank])).toEqual([
      ['1', 0, 0],
      ['2', 1, 1],
      ['3', 3, 2],
    ]);
    expect(l).toMatchObject({ seatCount: 3, gaCapacity: 10, categories: ['A', 'G'] });
  });

  it('duplicateSeatLabels_orTooManyPlaces_areRefusedWithStableCodes', () => {
    const dup = { name: 'p', blocks: [{ name: 'B', rows: [{ label: '1', seats: [seat('1', 0), seat('1', 1)] }] }], areas: [] };
    expect(() => layOutPlan(dup, 1000)).toThrow(expect.objectContaining({ code: 'SALES.INVALID_PLAN' }));
    const big = { name: 'p', blocks: [], areas: [{ name: 'GA', category: 'G', capacity: 1001 }] };
    expect(() => layOutPlan(big, 1000)).toThrow(expect.objectContaining({ code: 'SALES.PLAN_TOO_LARGE' }));
  });
});
