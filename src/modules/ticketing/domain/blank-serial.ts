import { DomainError } from '../../../shared-kernel/domain-error';

/** A blank's serial number: prefix + zero-padded number, e.g. "KR0001234". Serials are unique platform-wide. */
export function formatSerial(prefix: string, n: number | bigint, width: number): string {
  return `${prefix}${n.toString().padStart(width, '0')}`;
}

export function parseSerial(serial: string): { prefix: string; number: bigint } {
  const m = /^([A-Z]*[A-Z])?(\d+)$/.exec(serial) ?? /^([A-Z0-9]*?)(\d+)$/.exec(serial);
  if (!m) throw new DomainError('TICKETING.BAD_SERIAL', `not a blank serial: ${serial}`, 'validation');
  return { prefix: m[1] ?? '', number: BigInt(m[2]) };
}
