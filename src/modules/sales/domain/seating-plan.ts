import { SalesErrors } from './sales-errors';

/** A seating plan as uploaded: blocks of rows of seats (with drawing coordinates) and general-admission areas. */
export interface PlanInput {
  name: string;
  /** Where the stage is, in the same coordinates as the seats; ranks seats by distance. Without it: front row first. */
  stage?: { x: number; y: number } | null;
  blocks: {
    name: string;
    rows: {
      label: string;
      seats: { label: string; x: number; y: number; category: string; wheelchair?: boolean; companion?: boolean; position?: number }[];
    }[];
  }[];
  areas: { name: string; category: string; capacity: number }[];
}

export interface LaidOutSeat {
  blockIndex: number;
  rowLabel: string;
  seatLabel: string;
  rowNo: number;
  pos: number;
  rank: number;
  x: number;
  y: number;
  category: string;
  wheelchair: boolean;
  companion: boolean;
}

export interface PlanLayout {
  seats: LaidOutSeat[];
  seatCount: number;
  gaCapacity: number;
  categories: string[];
}

/**
 * Checks a plan and computes what reservation needs: a plan-wide row number (adjacency only within a row), the
 * seat's position in its row (explicit `position`, else its index; consecutive positions are neighbours, a gap is an
 * aisle) and a rank (0 = best): by distance to the stage, else by row order within the block then by distance from
 * the row's middle.
 */
export function layOutPlan(input: PlanInput, maxPlaces: number): PlanLayout {
  const seats: LaidOutSeat[] = [];
  const blockNames = new Set<string>();
  let rowNo = 0;
  const sortKey: number[] = [];
  for (const [bi, block] of input.blocks.entries()) {
    if (blockNames.has(block.name)) throw SalesErrors.invalidPlan(`block "${block.name}" appears twice`);
    blockNames.add(block.name);
    const rowLabels = new Set<string>();
    for (const [ri, row] of block.rows.entries()) {
      if (rowLabels.has(row.label)) throw SalesErrors.invalidPlan(`row "${row.label}" appears twice in block "${block.name}"`);
      rowLabels.add(row.label);
      const seatLabels = new Set<string>();
      const positions = new Set<number>();
      const mid = (row.seats.length - 1) / 2;
      for (const [si, seat] of row.seats.entries()) {
        if (seatLabels.has(seat.label)) {
          throw SalesErrors.invalidPlan(`seat "${seat.label}" appears twice in block "${block.name}" row "${row.label}"`);
        }
        seatLabels.add(seat.label);
        const pos = seat.position ?? si;
        if (positions.has(pos)) throw SalesErrors.invalidPlan(`two seats share position ${pos} in block "${block.name}" row "${row.label}"`);
        positions.add(pos);
        seats.push({
          blockIndex: bi,
          rowLabel: row.label,
          seatLabel: seat.label,
          rowNo,
          pos,
          rank: 0,
          x: seat.x,
          y: seat.y,
          category: seat.category,
          wheelchair: seat.wheelchair ?? false,
          companion: seat.companion ?? false,
        });
        sortKey.push(input.stage ? Math.hypot(seat.x - input.stage.x, seat.y - input.stage.y) : ri * 1e6 + Math.abs(si - mid));
        if (seats.length > maxPlaces) throw SalesErrors.planTooLarge(maxPlaces);
      }
      rowNo++;
    }
  }
  const areaNames = new Set<string>();
  let gaCapacity = 0;
  for (const a of input.areas) {
    if (areaNames.has(a.name)) throw SalesErrors.invalidPlan(`area "${a.name}" appears twice`);
    areaNames.add(a.name);
    gaCapacity += a.capacity;
  }
  if (seats.length + gaCapacity > maxPlaces) throw SalesErrors.planTooLarge(maxPlaces);
  if (seats.length + gaCapacity === 0) throw SalesErrors.invalidPlan('a plan needs at least one seat or one general-admission place');
  const order = seats.map((_, i) => i).sort((a, b) => sortKey[a] - sortKey[b] || seats[a].rowNo - seats[b].rowNo || seats[a].pos - seats[b].pos);
  order.forEach((seatIndex, rank) => (seats[seatIndex].rank = rank));
  const categories = [...new Set([...seats.map((s) => s.category), ...input.areas.map((a) => a.category)])].sort();
  return { seats, seatCount: seats.length, gaCapacity, categories };
}
