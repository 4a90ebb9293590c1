/**
 * `npm run bench:printing` — tickets per second of a security-stock print run through the real job path
 * (HTTP-less: PrintRunService.create → BullMQ `printing` queue → worker binds blanks + signs barcodes in one
 * transaction → renders A4 three-up sheets with vector DataMatrix → stores the PDF), against two baselines measured in
 * the same run with library calls only (no application code):
 *   - vector: pdfkit + bwip-js module matrix drawn as rectangles, same page content and the same barcode size;
 *   - png:    pdfkit + bwip-js PNG per ticket (the slow way), on a smaller sample.
 * Needs PostgreSQL (DATABASE_URL, migrated by this script) and Redis. Prints a table and ONE final JSON line.
 * BENCH_TICKETS (default 3000), BENCH_PNG_TICKETS (default 300).
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { NestFactory } from '@nestjs/core';
import bwipjs from 'bwip-js';
import PDFDocument from 'pdfkit';
import { loadConfig } from '../../config/configuration';
import { DEFAULT_SHEET_LAYOUT } from '../../config/sections/ticketing';
import { AppModule } from '../../src/app.module';
import { runSql } from '../../src/infrastructure/database/sql';
import { PrintRunService } from '../../src/modules/ticketing/application/printing/print-run.service';
import { BlankStockService } from '../../src/modules/ticketing/application/stock/blank-stock.service';
import type { Principal } from '../../src/shared-kernel/roles';

const N = Number(process.env.BENCH_TICKETS ?? 3000);
const N_PNG = Number(process.env.BENCH_PNG_TICKETS ?? 300);
const MM = 72 / 25.4;

// ---- baselines: library calls only -------------------------------------------------------------------------------
const base45 = (b: Buffer) => {
  const A = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) {
    const n = b[i] * 256 + b[i + 1];
    s += A[n % 45] + A[Math.floor(n / 45) % 45] + A[Math.floor(n / 2025)];
  }
  return s;
};
const sampleCodes = (n: number) => Array.from({ length: n }, () => base45(randomBytes(144)));

function pageText(doc: InstanceType<typeof PDFDocument>, x: number, y: number, serial: string) {
  const L = DEFAULT_SHEET_LAYOUT.fields;
  const rows: [keyof typeof L, string][] = [
    ['event', 'Sinfoniekonzert'],
    ['date', 'Sa 19.12.2026 20:00 Uhr'],
    ['venue', 'Stadthalle Musterstadt'],
    ['place', 'Block A · Reihe 3 · Platz 7'],
    ['category', 'Kategorie 1 · adult'],
    ['price', '45,00 EUR'],
    ['order', 'Bestellung PT-ABC123'],
    ['serial', `Nr. ${serial}`],
  ];
  for (const [k, v] of rows) doc.font('Helvetica').fontSize(L[k].sizePt).text(v, x + L[k].xMm * MM, y + L[k].yMm * MM, { lineBreak: false });
}

async function baseline(codes: string[], mode: 'vector' | 'png'): Promise<number> {
  const t0 = process.hrtime.bigint();
  const doc = new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => doc.on('end', r));
  const bc = DEFAULT_SHEET_LAYOUT.barcode;
  for (let i = 0; i < codes.length; i++) {
    if (i % 3 === 0) doc.addPage();
    const b = DEFAULT_SHEET_LAYOUT.blanks[i % 3];
    const x = b.xMm * MM;
    const y = b.yMm * MM;
    pageText(doc, x, y, `KR${String(i).padStart(6, '0')}`);
    if (mode === 'png') {
      const png = await bwipjs.toBuffer({ bcid: 'datamatrix', text: codes[i], scale: 3 });
      doc.image(png, x + bc.xMm * MM, y + bc.yMm * MM, { width: bc.sizeMm * MM });
    } else {
      const [m] = bwipjs.raw('datamatrix', codes[i], {}) as { pixs: number[]; pixx: number; pixy: number }[];
      const u = (bc.sizeMm * MM) / (m.pixx + 2);
      for (let r = 0; r < m.pixy; r++)
        for (let c = 0; c < m.pixx; c++) if (m.pixs[r * m.pixx + c]) doc.rect(x + bc.xMm * MM + (c + 1) * u, y + bc.yMm * MM + (r + 1) * u, u, u);
      doc.fill('black');
    }
  }
  doc.end();
  await done;
  return codes.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

// ---- the job path ------------------------------------------------------------------------------------------------
async function jobPath(): Promise<{ tps: number; pages: number; pdfBytes: number; bindS: number; totalS: number }> {
  // own Redis prefix (empty queues); the ticketing sweep is slowed down so it cannot slip another stalled run of the
  // development database onto the printing queue in front of the measured one
  const env = { ...process.env, LOG_LEVEL: 'silent', WORKERS_IN_PROCESS: 'true', REDIS_KEY_PREFIX: `pt-bench-${process.pid}`, HTTP_PORT: '0', TICKETING_DELIVERY_SWEEP_MS: '3600000', BACKUP_SCHEDULE: 'off' };
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migrate.ts'], { env, stdio: 'ignore' });
  const config = loadConfig(env);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false });
  await app.init();
  try {
    const em = app.get(MikroORM).em.fork() as EntityManager;
    const organizerId = randomUUID();
    const eventId = randomUUID();
    const p: Principal = { kind: 'user', subjectId: randomUUID(), organizationId: organizerId, organizationKind: 'organizer', roles: ['organizer-admin'] };
    // untimed setup: N paid tickets (as the OrderPaid consumer writes them) and N blanks at the box office
    await runSql(
      em,
      `insert into ticketing.ticket (ticket_id, organizer_id, event_id, order_id, order_number, channel, office_id, event_name, event_starts_at, venue_name,
         kind, seat_id, block, row_label, seat_label, category_name, reduction, price_minor, currency, status, paid_at, source_event_id)
       select gen_random_uuid(), ?, ?, gen_random_uuid(), 'PT-BENCH', 'box-office', ?, 'Sinfoniekonzert', '2026-12-19T19:00:00Z', 'Stadthalle Musterstadt',
              'seat', gen_random_uuid()::text, 'A', (n / 30)::text, (n % 30 + 1)::text, 'Kategorie 1', 'adult', 4500, 'EUR', 'paid', now(), gen_random_uuid()
         from generate_series(1, ?) n`,
      [organizerId, eventId, organizerId, N],
    );
    const stock = app.get(BlankStockService);
    const prefix = `B${randomBytes(3).toString('hex').toUpperCase()}`;
    const batch = await stock.registerBatch(p, { label: 'bench', serialPrefix: prefix, firstNumber: 1, count: N, securityFeatures: ['bench'] });
    await stock.handOver(p, batch.id, { officeId: organizerId });

    const runs = app.get(PrintRunService);
    const t0 = process.hrtime.bigint();
    const run = await runs.create(p, { eventId });
    let view = run;
    let boundAt = 0;
    while (view.status !== 'done' && view.status !== 'failed') {
      await new Promise((r) => setTimeout(r, 20));
      view = await runs.get(p, run.id);
      if (!boundAt && (view.status === 'rendering' || view.status === 'done')) boundAt = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (view.status !== 'done') throw new Error(`run failed: ${view.error}`);
    const [pdf] = await runSql<{ n: number }>(em, `select length(pdf) as n from ticketing.print_run where id = ?`, [run.id]);
    return { tps: N / secs, pages: view.pages ?? 0, pdfBytes: Number(pdf.n), bindS: boundAt, totalS: secs };
  } finally {
    await app.close();
  }
}

async function main() {
  // The vector baseline runs half before and half after the job path (the machine is shared; this evens out drift).
  const before = await baseline(sampleCodes(Math.ceil(N / 2)), 'vector');
  const job = await jobPath();
  const after = await baseline(sampleCodes(Math.floor(N / 2)), 'vector');
  const vector = 2 / (1 / before + 1 / after);
  const png = await baseline(sampleCodes(N_PNG), 'png');
  const ratio = job.tps / vector;
  const rows = [
    ['job path (bind + sign + vector DataMatrix, A4 3-up)', N, job.tps],
    ['baseline: pdfkit + bwip-js vector (library only)', N, vector],
    ['baseline: pdfkit + bwip-js PNG per ticket', N_PNG, png],
  ] as const;
  console.log('| variant | tickets | tickets/s |\n|---|---:|---:|');
  for (const [name, n, tps] of rows) console.log(`| ${name} | ${n} | ${tps.toFixed(0)} |`);
  console.log(`job path: queue + bind (${N} blanks, ${N} signed barcodes) ${job.bindS.toFixed(2)} s, total ${job.totalS.toFixed(2)} s`);
  console.log(`job path: ${job.pages} sheets, PDF ${(job.pdfBytes / 1024 / 1024).toFixed(1)} MiB; ratio job/vector baseline ${ratio.toFixed(2)}`);
  console.log(
    JSON.stringify({
      bench: 'printing',
      tickets: N,
      tickets_per_s: Math.round(job.tps),
      baseline_tickets_per_s: Math.round(vector),
      ratio: Number(ratio.toFixed(3)),
      png_baseline_tickets_per_s: Math.round(png),
    }),
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
