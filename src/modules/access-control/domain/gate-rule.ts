/**
 * A gate's admission rule: which ticket categories it admits. `categories` null = every ticket of the event.
 * A ticket matches when any of its place references (barcode place id = GA area/category or seat id; the category
 * and area ids Sales reported for it) is listed. Pure TypeScript: the offline scanner applies the same rule.
 */
export interface GateRule {
  id: string;
  name: string;
  categories: readonly string[] | null;
}

export interface TicketPlaceRefs {
  placeId?: string | null;
  categoryId?: string | null;
  areaId?: string | null;
}

export function gateAdmits(gate: GateRule, refs: TicketPlaceRefs): boolean {
  if (!gate.categories || gate.categories.length === 0) return true;
  const allowed = new Set(gate.categories.map((c) => c.toLowerCase()));
  return [refs.placeId, refs.categoryId, refs.areaId].some((r) => !!r && allowed.has(r.toLowerCase()));
}

/** True when deciding needs more than the barcode (a restricted gate and a barcode place id that is not listed). */
export function needsRegistryLookup(gate: GateRule, placeId: string | null): boolean {
  return !!gate.categories?.length && !gateAdmits(gate, { placeId });
}
