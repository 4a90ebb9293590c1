/** A blank's serial number: prefix + zero-padded number, e.g. "KR0001234". Serials are unique platform-wide. */
export function formatSerial(prefix: string, n: number | bigint, width: number): string {
  return `${prefix}${n.toString().padStart(width, '0')}`;
}
