import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { runSql } from '../../../../infrastructure/database/sql';
import { JobQueue } from '../../../../infrastructure/jobs/jobs.module';
import { DomainError } from '../../../../shared-kernel/domain-error';
import { newId } from '../../../../shared-kernel/ids';
import type { Principal } from '../../../../shared-kernel/roles';
import { ticketText } from '../../domain/ticket-text';
import { BarcodeEncoder } from '../../infrastructure/pdf/barcode-encoder';
import { renderStockSheets } from '../../infrastructure/pdf/ticket-pdf';
import { BarcodeIssuer } from '../barcodes/barcode-issuer';
import { scopeOf } from '../scope';
import { PRINTABLE_COLUMNS, PrintableRow, toPrintable } from './ticket-rows';

export interface CreatePrintRun {
  /** Office whose stock is printed on (organizer staff only; clerks always print on their own office's stock). */
  officeId?: string;
  eventId?: string;
  ticketIds?: string[];
  /** The serial of the blank on top of the printer's tray; default: the lowest available serial in stock. */
  firstSerial?: string;
  /** Also print tickets that already have a barcode (each gets a new one; the old one is revoked). */
  includePrinted?: boolean;
}

export const MAX_RUN = 5000;

export interface PrintRunView {
  id: string;
  organizerId: string;
  officeId: string;
  kind: string;
  status: string;
  total: number;
  bound: number;
  rendered: number;
  progress: number;
  pages: number | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/**
 * Print runs on security stock. Creating a run only records which tickets go in it; the job binds blanks and
 * barcodes in ONE transaction (all or nothing: a crash leaves no half-bound run, a retry finds the binding done and
 * only renders again) and then renders the PDF, reporting progress per sheet.
 */
@Injectable()
export class PrintRunService {
  private readonly log = new Logger('PrintRuns');

  constructor(
    private readonly orm: MikroORM,
    private readonly issuer: BarcodeIssuer,
    private readonly jobs: JobQueue,
    private readonly encoder: BarcodeEncoder,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async create(p: Principal, req: CreatePrintRun, kind: 'run' | 'reprint' = 'run'): Promise<PrintRunView> {
    const runId = await this.em().transactional((em) => this.createIn(em, p, req, kind));
    await this.enqueue(runId);
    return this.get(p, runId);
  }

  /** Creates a run in its own transaction and queues it; returns the run id. */
  async createInNew(p: Principal, req: CreatePrintRun, kind: 'run' | 'reprint' = 'reprint'): Promise<string> {
    const runId = await this.em().transactional((em) => this.createIn(em, p, req, kind));
    await this.enqueue(runId);
    return runId;
  }

  async enqueue(runId: string): Promise<void> {
    await this.jobs.add('ticketing.print-run', { runId }, { jobId: `print-run-${runId}-${Date.now()}` });
  }

  async createIn(em: EntityManager, p: Principal, req: CreatePrintRun, kind: 'run' | 'reprint'): Promise<string> {
    const scope = scopeOf(p);
    const officeId = scope.officeId ?? req.officeId ?? p.organizationId;
    if (!req.eventId && !req.ticketIds?.length) throw new DomainError('TICKETING.NOTHING_TO_PRINT', 'give eventId or ticketIds', 'validation');
    const where: string[] = [];
    const params: unknown[] = [];
    if (scope.organizerId) (where.push('t.organizer_id = ?'), params.push(scope.organizerId));
    if (p.organizationKind === 'presale-office') (where.push('t.office_id = ?'), params.push(officeId));
    if (req.eventId) (where.push('t.event_id = ?'), params.push(req.eventId));
    if (req.ticketIds?.length) (where.push('t.ticket_id = any(?::uuid[])'), params.push(req.ticketIds));
    if (!req.includePrinted && !req.ticketIds?.length) where.push(`not exists (select 1 from ticketing.barcode b where b.ticket_id = t.ticket_id and b.status = 'valid')`);
    const tickets = await runSql<{ ticket_id: string; organizer_id: string; status: string }>(
      em,
      `select t.ticket_id, t.organizer_id, t.status from ticketing.ticket t where ${where.join(' and ')}
        order by t.event_id, t.block nulls last, t.row_label nulls last, t.seat_label nulls last, t.ticket_id limit ${MAX_RUN + 1}`,
      params,
    );
    if (req.ticketIds?.length && tickets.length !== new Set(req.ticketIds).size) throw DomainError.notFound('TICKETING.TICKET_NOT_FOUND', 'ticket');
    if (tickets.length === 0) throw new DomainError('TICKETING.NOTHING_TO_PRINT', 'no paid, unprinted tickets match', 'unprocessable');
    if (tickets.length > MAX_RUN) throw new DomainError('TICKETING.RUN_TOO_LARGE', `at most ${MAX_RUN} tickets per run`, 'unprocessable');
    const notPaid = tickets.find((t) => t.status !== 'paid');
    if (notPaid) throw new DomainError('TICKETING.TICKET_NOT_PAID', `ticket ${notPaid.ticket_id} is ${notPaid.status}`, 'conflict');
    const organizers = new Set(tickets.map((t) => t.organizer_id));
    if (organizers.size > 1) throw new DomainError('TICKETING.MIXED_ORGANIZERS', 'a run prints the tickets of one organizer (their own stock)', 'unprocessable');
    const organizerId = tickets[0].organizer_id;

    if (req.firstSerial) await this.checkFirstSerial(em, organizerId, officeId, req.firstSerial);
    const [stock] = await runSql<{ n: string }>(
      em,
      `select count(*) as n from ticketing.blank where organizer_id = ? and office_id = ? and state = 'available'`,
      [organizerId, officeId],
    );
    if (Number(stock.n) < tickets.length) {
      throw new DomainError('TICKETING.INSUFFICIENT_STOCK', `office holds ${stock.n} blanks of this organizer, run needs ${tickets.length}`, 'conflict', {
        available: Number(stock.n),
        needed: tickets.length,
      });
    }
    const runId = newId();
    await runSql(
      em,
      `insert into ticketing.print_run (id, organizer_id, office_id, kind, requested_by, requested_by_org, status, total, first_serial, symbology)
       values (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
      [runId, organizerId, officeId, kind, p.subjectId, p.organizationId, tickets.length, req.firstSerial ?? null, this.config.TICKETING_STOCK_SYMBOLOGY],
    );
    await runSql(
      em,
      `insert into ticketing.print_run_item (run_id, position, ticket_id)
       select ?, x.ord, x.id from unnest(?::uuid[]) with ordinality as x(id, ord)`,
      [runId, tickets.map((t) => t.ticket_id)],
    );
    return runId;
  }

  private async checkFirstSerial(em: EntityManager, organizerId: string, officeId: string, serial: string): Promise<void> {
    const [b] = await runSql<{ organizer_id: string; office_id: string | null; state: string }>(
      em,
      `select organizer_id, office_id, state from ticketing.blank where serial = ?`,
      [serial],
    );
    if (!b || b.organizer_id !== organizerId || b.office_id !== officeId) {
      throw new DomainError('TICKETING.BLANK_FOREIGN', `blank ${serial} is not in this office's stock of this organizer`, 'unprocessable');
    }
    if (b.state !== 'available') throw new DomainError('TICKETING.BLANK_NOT_AVAILABLE', `blank ${serial} is ${b.state}`, 'conflict');
  }

  /** The job: idempotent. Returns the run's final status. */
  async process(runId: string, progress: (pct: number) => Promise<void>, lastAttempt: boolean): Promise<string> {
    try {
      const bound = await this.bind(runId);
      if (bound !== 'rendering') return bound;
      await this.render(runId, progress);
      return 'done';
    } catch (e) {
      if (e instanceof DomainError || lastAttempt) {
        await runSql(this.em(), `update ticketing.print_run set status = 'failed', error = ?, finished_at = now() where id = ? and status <> 'done'`, [
          e instanceof DomainError ? `${e.code}: ${e.message}` : (e as Error).message,
          runId,
        ]);
        if (e instanceof DomainError) return 'failed';
      }
      throw e;
    }
  }

  /** Binds blanks in serial order and fresh barcodes to every unbound item, all in one transaction. */
  private bind(runId: string): Promise<string> {
    return this.em().transactional(async (em) => {
      const [run] = await runSql<{ organizer_id: string; office_id: string; status: string; first_serial: string | null }>(
        em,
        `select organizer_id, office_id, status, first_serial from ticketing.print_run where id = ? for update`,
        [runId],
      );
      if (!run) return 'missing';
      if (run.status === 'done' || run.status === 'failed') return run.status;
      await runSql(em, `update ticketing.print_run set status = 'binding', attempts = attempts + 1, started_at = coalesce(started_at, now()) where id = ?`, [runId]);
      const items = await runSql<{ position: number; ticket_id: string }>(
        em,
        `select position, ticket_id from ticketing.print_run_item where run_id = ? and blank_serial is null order by position`,
        [runId],
      );
      if (items.length > 0) {
        const start = run.first_serial;
        // One binder per (organizer, office) stock at a time: with FOR UPDATE alone a second run would skip the
        // rows the first one just used and see too few blanks. The advisory lock ends with the transaction.
        await runSql(em, `select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`ticketing.stock/${run.organizer_id}/${run.office_id}`]);
        // Consumes the office's blanks in serial order; FOR UPDATE keeps two runs of one office apart.
        const blanks = await runSql<{ serial: string }>(
          em,
          `select serial from ticketing.blank
            where organizer_id = ? and office_id = ? and state = 'available' ${start ? 'and (prefix, number) >= (select s.prefix, s.number from ticketing.blank s where s.serial = ?)' : ''}
            order by prefix, number limit ? for update`,
          start ? [run.organizer_id, run.office_id, start, items.length] : [run.organizer_id, run.office_id, items.length],
        );
        if (blanks.length < items.length) {
          throw new DomainError('TICKETING.INSUFFICIENT_STOCK', `office has ${blanks.length} usable blanks, run needs ${items.length}`, 'conflict');
        }
        const issued = await this.issuer.issue(em, run.organizer_id, items.map((i) => i.ticket_id), 'stock', 'reprinted');
        const binding = items.map((it, k) => ({ position: it.position, serial: blanks[k].serial, ticket_id: it.ticket_id, barcode_id: issued.get(it.ticket_id)!.barcodeId }));
        const json = JSON.stringify(binding);
        await runSql(
          em,
          `update ticketing.blank b set state = 'used', print_run_id = ?, ticket_id = x.ticket_id, barcode_id = x.barcode_id, used_at = now()
             from jsonb_to_recordset(?::jsonb) as x(serial text, ticket_id uuid, barcode_id uuid)
            where b.serial = x.serial`,
          [runId, json],
        );
        await runSql(
          em,
          `update ticketing.print_run_item i set blank_serial = x.serial, barcode_id = x.barcode_id
             from jsonb_to_recordset(?::jsonb) as x(position int, serial text, barcode_id uuid)
            where i.run_id = ? and i.position = x.position`,
          [json, runId],
        );
      }
      await runSql(em, `update ticketing.print_run set status = 'rendering', bound = total where id = ?`, [runId]);
      return 'rendering';
    });
  }

  private async render(runId: string, progress: (pct: number) => Promise<void>): Promise<void> {
    const em = this.em();
    const rows = await runSql<PrintableRow & { blank_serial: string; barcode_id: string; code_enc: Buffer; total: number; symbology: string }>(
      em,
      `select ${PRINTABLE_COLUMNS}, i.blank_serial, i.barcode_id, b.code_enc, r.total, r.symbology
         from ticketing.print_run_item i
         join ticketing.print_run r on r.id = i.run_id
         join ticketing.ticket t on t.ticket_id = i.ticket_id
         join ticketing.barcode b on b.id = i.barcode_id
        where i.run_id = ? order by i.position`,
      [runId],
    );
    const total = rows.length;
    let lastReport = 0;
    const { pdf, pages } = await renderStockSheets(
      rows.map((r) => ({ text: ticketText(toPrintable(r)), serial: r.blank_serial, code: this.issuer.openCode(r.barcode_id, r.code_enc) })),
      this.config.TICKETING_SHEET_LAYOUT,
      (rows[0]?.symbology ?? this.config.TICKETING_STOCK_SYMBOLOGY) as never,
      (symbology, text) => this.encoder.encode(symbology, text),
      async (done) => {
        if (done - lastReport >= 60 || done === total) {
          lastReport = done;
          await runSql(em, `update ticketing.print_run set rendered = ? where id = ?`, [done, runId]);
          await progress(Math.floor((done / total) * 100));
        }
      },
    );
    await runSql(em, `update ticketing.print_run set status = 'done', pdf = ?, pages = ?, rendered = total, finished_at = now() where id = ? and status <> 'done'`, [
      pdf,
      pages,
      runId,
    ]);
    this.log.log(`print run ${runId}: ${total} tickets on ${pages} sheets`);
  }

  async get(p: Principal, runId: string): Promise<PrintRunView> {
    const scope = scopeOf(p);
    const [r] = await runSql<Record<string, any>>(
      this.em(),
      `select id, organizer_id, office_id, kind, status, total, bound, rendered, pages, error, created_at, finished_at
         from ticketing.print_run where id = ? and (?::uuid is null or organizer_id = ?) and (?::uuid is null or office_id = ?)`,
      [runId, scope.organizerId, scope.organizerId, scope.officeId, scope.officeId],
    );
    if (!r) throw DomainError.notFound('TICKETING.PRINT_RUN_NOT_FOUND', 'print run');
    return {
      id: r.id,
      organizerId: r.organizer_id,
      officeId: r.office_id,
      kind: r.kind,
      status: r.status,
      total: r.total,
      bound: r.bound,
      rendered: r.rendered,
      progress: r.status === 'done' ? 100 : Math.floor((r.rendered / r.total) * 100),
      pages: r.pages,
      error: r.error,
      createdAt: new Date(r.created_at).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    };
  }

  async list(p: Principal): Promise<PrintRunView[]> {
    const scope = scopeOf(p);
    const ids = await runSql<{ id: string }>(
      this.em(),
      `select id from ticketing.print_run where (?::uuid is null or organizer_id = ?) and (?::uuid is null or office_id = ?) order by created_at desc limit 200`,
      [scope.organizerId, scope.organizerId, scope.officeId, scope.officeId],
    );
    return Promise.all(ids.map((r) => this.get(p, r.id)));
  }

  async pdf(p: Principal, runId: string): Promise<Buffer> {
    const view = await this.get(p, runId);
    if (view.status !== 'done') throw new DomainError('TICKETING.PRINT_RUN_NOT_READY', `print run is ${view.status}`, 'conflict');
    const [r] = await runSql<{ pdf: Buffer }>(this.em(), `select pdf from ticketing.print_run where id = ?`, [runId]);
    return r.pdf;
  }

  async items(p: Principal, runId: string) {
    await this.get(p, runId);
    return runSql(
      this.em(),
      `select i.position, i.ticket_id as "ticketId", i.blank_serial as "blankSerial", b.issue, b.status as "barcodeStatus"
         from ticketing.print_run_item i left join ticketing.barcode b on b.id = i.barcode_id where i.run_id = ? order by i.position`,
      [runId],
    );
  }
}
