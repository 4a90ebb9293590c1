import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Outbox } from '../../../src/infrastructure/messaging/outbox';
import type { IntegrationEvent } from '../../../src/shared-kernel/integration-event';
import type { OrderLineDto, OrderPaid } from '../../../src/modules/sales/contracts';
import type { TestApp } from '../../support/app-harness';
import { waitFor as poll } from '../../support/wait';

/** Debian tools the ticketing e2e tests decode with; installed on a fresh CI machine if missing. */
export function ensureBarcodeTools(): void {
  const need: Record<string, string> = { pdftoppm: 'poppler-utils', pdftotext: 'poppler-utils', zbarimg: 'zbar-tools', dmtxread: 'dmtx-utils' };
  const missing = [...new Set(Object.entries(need).filter(([bin]) => !has(bin)).map(([, pkg]) => pkg))];
  if (missing.length) execFileSync('sh', ['-c', `flock /tmp/apt.lock apt-get install -y ${missing.join(' ')} || sudo -n apt-get install -y ${missing.join(' ')}`], { stdio: 'ignore' });
}

const has = (bin: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Renders each PDF page (pdftoppm, 150 dpi grey) and decodes its 2D codes: DataMatrix via dmtxread, QR via zbarimg. */
export function decodePdf(pdf: Buffer, symbology: 'datamatrix' | 'qrcode', perPage: number): string[][] {
  const dir = mkdtempSync(path.join(tmpdir(), 'pt-pdf-'));
  writeFileSync(path.join(dir, 'in.pdf'), pdf);
  execFileSync('pdftoppm', ['-r', '150', '-gray', '-png', path.join(dir, 'in.pdf'), path.join(dir, 'page')]);
  const pages = readdirSync(dir).filter((f) => f.startsWith('page')).sort();
  return pages.map((p) => {
    const file = path.join(dir, p);
    const out =
      symbology === 'datamatrix'
        ? execFileSync('dmtxread', ['-n', '-N', String(perPage), '-m', '20000', file], { encoding: 'latin1' })
        : execFileSync('zbarimg', ['-q', '--raw', file], { encoding: 'latin1' });
    return out.split('\n').filter((l) => l.length > 0);
  });
}

export function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pt-pdf-'));
  writeFileSync(path.join(dir, 'in.pdf'), pdf);
  return execFileSync('pdftotext', ['-layout', path.join(dir, 'in.pdf'), '-'], { encoding: 'utf8' });
}

export const waitFor = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30000): Promise<T> => poll(what, fn, timeoutMs);

export async function publish(t: TestApp, ...events: IntegrationEvent[]): Promise<void> {
  await t.em().transactional((em) => t.app.get(Outbox).append(em, ...events));
}

export function seatLine(n: number, over: Partial<OrderLineDto> = {}): OrderLineDto {
  return {
    ticketId: randomUUID(),
    kind: 'seat',
    seatId: randomUUID(),
    block: 'A',
    row: '3',
    seat: String(n),
    categoryId: randomUUID(),
    categoryName: 'Kategorie 1',
    reduction: 'adult',
    price: { minor: '4500', currency: 'EUR' },
    ...over,
  };
}

export function orderPaid(opts: {
  organizerId: string;
  eventId: string;
  lines: OrderLineDto[];
  channel: OrderPaid['payload']['channel'];
  email?: string | null;
  startsAt?: string;
}): OrderPaid {
  const orderId = randomUUID();
  return {
    id: randomUUID(),
    type: 'sales.OrderPaid',
    occurredAt: new Date().toISOString(),
    tenantId: opts.organizerId,
    payload: {
      orderId,
      orderNumber: `PT-${orderId.slice(0, 6).toUpperCase()}`,
      event: { id: opts.eventId, organizerId: opts.organizerId, name: 'Sinfoniekonzert Größe & Klang', startsAt: opts.startsAt ?? '2026-12-19T19:00:00.000Z', venueName: 'Stadthalle Musterstadt' },
      channel: opts.channel,
      total: { minor: String(4500 * opts.lines.length), currency: 'EUR' },
      lines: opts.lines,
      paidAt: new Date().toISOString(),
      payment: { method: opts.channel.kind === 'online' ? 'bank-transfer' : 'cash', paymentId: null },
      customer: { name: 'Erika Mustermann', email: opts.email ?? null },
    },
  };
}
