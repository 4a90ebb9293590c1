import { unpackSeats } from './reservation.store';

describe('unpackSeats', () => {
  it('decodesFourBigEndianInt4PerSeat_inTheOrderGiven', () => {
    const seats = [
      { unitNo: 0, rowNo: 0, pos: 0, rank: 0 },
      { unitNo: 19_999, rowNo: 49, pos: 99, rank: 2_000_001 },
      { unitNo: 70_000, rowNo: 3, pos: 1, rank: 7 },
    ];
    const b = Buffer.alloc(16 * seats.length);
    seats.forEach((s, i) => [s.unitNo, s.rowNo, s.pos, s.rank].forEach((v, j) => b.writeInt32BE(v, 16 * i + 4 * j)));
    expect(unpackSeats(b)).toEqual(seats);
  });

  it('returnsNoSeats_forNoRows', () => {
    expect(unpackSeats(null)).toEqual([]);
    expect(unpackSeats(Buffer.alloc(0))).toEqual([]);
  });
});
