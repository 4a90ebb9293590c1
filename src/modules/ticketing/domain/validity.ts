/**
 * A barcode's validity window: from some hours before the event starts until some hours after. Barcodes encode
 * whole seconds; the window is computed once at issue time and printed into the signed record.
 */
export function validityWindow(startsAt: Date, beforeHours: number, afterHours: number): { from: Date; until: Date } {
  const s = Math.floor(startsAt.getTime() / 1000) * 1000;
  return { from: new Date(s - beforeHours * 3600_000), until: new Date(s + afterHours * 3600_000) };
}
