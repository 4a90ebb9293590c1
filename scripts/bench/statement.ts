/**
 * `npm run bench:statement` — imports one camt.053 statement with N transactions (default 10,000) against N open
 * online orders, through the same code the `escrow.import-statement` job runs (StatementImports → PaymentIntake:
 * parse, RF matching, ledger entries, order updates, PaymentReceived outbox rows — ONE transaction). Baseline in the
 * same run: parsing the same file only (fast-xml-parser), i.e. the floor any import has to pay.
 * Uses its own database (proticket_bench_statement, created and migrated here) so the dev database's outbox is not
 * filled. Prints a table and ONE final JSON line. Target: all 10,000 matched in under 10 s on the 2-core VM.
 * BENCH_STATEMENT_TX (default 10000).
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '../../config/configuration';
import { AppModule } from '../../src/app.module';
import { runSql } from '../../src/infrastructure/database/sql';
import { StatementImports } from '../../src/modules/escrow/application/statement-imports.service';
import { Bookings, EscrowOrder } from '../../src/modules/escrow/domain/bookings';
import { formatCreditorReference, paymentReferenceFromSequence } from '../../src/modules/escrow/domain/rf-reference';
import { Camt053Gateway } from '../../src/modules/escrow/infrastructure/gateways/camt053.gateway';
import { LedgerWriter } from '../../src/modules/escrow/infrastructure/ledger-writer';
import { camt053 } from '../../test/fixtures/escrow/camt053';

const N = Number(process.env.BENCH_STATEMENT_TX ?? 10_000);

/**
 * CPU seconds of the PostgreSQL backends serving the bench database (read from /proc; Linux only). On a shared,
 * busy machine wall time says little; node CPU + these backends' CPU is what the import costs on an idle one.
 */
function pgBackendCpuS(db: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.startsWith('postgres: ') || !cmd.includes(` ${db} `)) continue;
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* process ended */
    }
  }
  return ticks / 100;
}

async function main() {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/proticket');
  base.pathname = '/proticket_bench_statement';
  const env = { ...process.env, DATABASE_URL: base.toString(), LOG_LEVEL: 'silent', WORKERS_IN_PROCESS: 'false', REDIS_KEY_PREFIX: `pt-bench-${process.pid}`, HTTP_PORT: '0' };
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migrate.ts'], { env, stdio: 'ignore' });
  const config = loadConfig(env);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false });
  try {
    const orm = app.get(MikroORM);
    const em = () => orm.em.fork() as EntityManager;
    const ledger = app.get(LedgerWriter);

    // ---- setup (not measured): N open online orders with their pending sale entries, as OrderPlaced leaves them --
    const t0 = Date.now();
    const organizerId = randomUUID();
    const eventId = randomUUID();
    const seqs = await runSql<{ n: string }>(em(), `select nextval('escrow.payment_reference_seq')::text n from generate_series(1, ?)`, [N]);
    const orders = seqs.map((s, i) => {
      const o: EscrowOrder = {
        orderId: randomUUID(),
        orderNumber: `BN-${process.pid}-${i}`,
        organizerId,
        eventId,
        currency: 'EUR',
        total: BigInt(1000 + (i % 50) * 100),
        channel: 'online',
        officeId: null,
        ticketPrices: [BigInt(1000 + (i % 50) * 100)],
      };
      return { o, rf: paymentReferenceFromSequence(BigInt(s.n)), sale: Bookings.onlineSale(o) };
    });
    for (let i = 0; i < orders.length; i += 2000) {
      const part = orders.slice(i, i + 2000);
      await em().transactional(async (tem) => {
        await ledger.post(tem as EntityManager, part.map((p) => p.sale));
        await runSql(
          tem as EntityManager,
          `insert into escrow.order_account (order_id, order_number, order_number_norm, organizer_id, event_id, event_name, event_starts_at, channel, currency,
                                             total_minor, ticket_prices, rf_reference, status, sale_entry_id, placed_at)
           select order_id, order_number, replace(order_number, '-', ''), ?, ?, 'Bench', now() + interval '30 days', 'online', 'EUR',
                  total, array[total], rf, 'awaiting-payment', sale_entry_id, now()
             from jsonb_to_recordset(?::jsonb) as x(order_id uuid, order_number text, total bigint, rf text, sale_entry_id uuid)`,
          [organizerId, eventId, JSON.stringify(part.map((p) => ({ order_id: p.o.orderId, order_number: p.o.orderNumber, total: p.o.total.toString(), rf: p.rf, sale_entry_id: p.sale.id })))],
        );
      });
    }
    // Remittance in the forms customers type: printed groups, lower case, line breaks, structured reference.
    const xml = camt053({
      msgId: `BENCH-${process.pid}-${Date.now()}`,
      entries: orders.map((p, i) => {
        const amount = `${p.o.total / 100n}.${String(p.o.total % 100n).padStart(2, '0')}`;
        const printed = formatCreditorReference(p.rf);
        const style = i % 4;
        return style === 0
          ? { amount, strdRef: p.rf, bankRef: `B${process.pid}-${i}` }
          : style === 1
            ? { amount, ustrd: [`Tickets ${printed}`], bankRef: `B${process.pid}-${i}` }
            : style === 2
              ? { amount, ustrd: [`tickets ${printed.toLowerCase().slice(0, 9)}`, `${printed.toLowerCase().slice(9)} danke`] }
              : { amount, ustrd: [`${p.rf} ${p.o.orderNumber}`], bankRef: `B${process.pid}-${i}` };
      }),
    });
    const raw = Buffer.from(xml);
    const setupS = (Date.now() - t0) / 1000;

    // ---- baseline: parse only ----------------------------------------------------------------------------------
    const p0 = process.hrtime.bigint();
    const parsed = new Camt053Gateway().parse(raw);
    const parseS = Number(process.hrtime.bigint() - p0) / 1e9;

    // ---- measured: the full import -----------------------------------------------------------------------------
    const pg0 = pgBackendCpuS('proticket_bench_statement');
    const cpu0 = process.cpuUsage();
    const i0 = process.hrtime.bigint();
    const summary = await app.get(StatementImports).importNow(raw, 'camt.053');
    const importS = Number(process.hrtime.bigint() - i0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const nodeCpuS = (cpu.user + cpu.system) / 1e6;
    const pgCpuS = pgBackendCpuS('proticket_bench_statement') - pg0;
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

    // ---- checks ------------------------------------------------------------------------------------------------
    const [paid] = await runSql<{ n: number }>(em(), `select count(*)::int n from escrow.order_account where event_id = ? and status = 'paid'`, [eventId]);
    const [tb] = await runSql<{ s: string }>(em(), `select coalesce(sum(p.amount_minor), 0)::text s from escrow.posting p join escrow.journal_entry e on e.id = p.entry_id where e.status = 'posted'`);
    const again0 = process.hrtime.bigint();
    const again = await app.get(StatementImports).importNow(raw, 'camt.053');
    const againS = Number(process.hrtime.bigint() - again0) / 1e9;

    const rows: [string, string][] = [
      ['transactions in file', String(parsed.lines.length)],
      ['file size', `${(raw.length / 1024 / 1024).toFixed(1)} MiB`],
      ['setup (orders + pending entries, not measured)', `${setupS.toFixed(1)} s`],
      ['baseline: parse only', `${parseS.toFixed(2)} s (${Math.round(parsed.lines.length / parseS)} tx/s)`],
      ['import (parse + match + book, 1 transaction)', `${importS.toFixed(2)} s (${Math.round(N / importS)} tx/s)`],
      ['CPU: node + PostgreSQL backends', `${nodeCpuS.toFixed(2)} s + ${pgCpuS.toFixed(2)} s = ${(nodeCpuS + pgCpuS).toFixed(2)} s (load average ${load})`],
      ['matched / review', `${summary.matched} / ${summary.review}`],
      ['orders now paid', String(paid.n)],
      ['posted trial balance (must be 0)', tb.s],
      ['re-import of the same file', `${againS.toFixed(2)} s, duplicateFile=${again.duplicateFile}`],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`\nbench:statement — camt.053 with ${N} transactions against ${N} open orders\n`);
    for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
    console.log('');
    console.log(
      JSON.stringify({
        bench: 'statement',
        transactions: N,
        matched: summary.matched,
        review: summary.review,
        import_s: Number(importS.toFixed(3)),
        transactions_per_s: Math.round(N / importS),
        cpu_s: Number((nodeCpuS + pgCpuS).toFixed(3)),
        transactions_per_cpu_s: Math.round(N / (nodeCpuS + pgCpuS)),
        load_average: Number(load),
        parse_only_per_s: Math.round(parsed.lines.length / parseS),
        trial_balance_zero: tb.s === '0',
        target_met: N >= 10_000 && summary.matched === N && importS < 10,
      }),
    );
  } finally {
    await app.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
