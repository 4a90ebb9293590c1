import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { runSql } from '../../../../infrastructure/database/sql';
import { DomainError } from '../../../../shared-kernel/domain-error';
import { newId } from '../../../../shared-kernel/ids';
import type { Principal } from '../../../../shared-kernel/roles';
import { formatSerial } from '../../domain/blank-serial';
import { BarcodeIssuer } from '../barcodes/barcode-issuer';
import { PrintRunService, PrintRunView } from '../printing/print-run.service';
import { scopeOf } from '../scope';

export interface RegisterBatch {
  label: string;
  serialPrefix: string;
  firstNumber: number;
  count: number;
  numberWidth?: number;
  securityFeatures: string[];
}

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === '23505';

/**
 * Security stock (Kartenrohlinge): batches with serial ranges and security features, hand-over to offices, voiding
 * misprinted/jammed/damaged blanks, stock reports. Blank rows are permanent (the database refuses deletes, reuse and
 * re-binding).
 */
@Injectable()
export class BlankStockService {
  constructor(
    private readonly orm: MikroORM,
    private readonly issuer: BarcodeIssuer,
    private readonly runs: PrintRunService,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async registerBatch(p: Principal, req: RegisterBatch) {
    const width = req.numberWidth ?? Math.max(6, String(req.firstNumber + req.count - 1).length);
    const last = req.firstNumber + req.count - 1;
    if (String(last).length > width) throw new DomainError('TICKETING.SERIAL_TOO_LONG', `numbers up to ${last} do not fit in ${width} digits`, 'validation');
    const id = newId();
    try {
      await this.em().transactional(async (em) => {
        const clash = await runSql(em, `select serial from ticketing.blank where prefix = ? and number between ? and ? limit 1`, [req.serialPrefix, req.firstNumber, last]);
        if (clash.length) throw new DomainError('TICKETING.SERIAL_RANGE_TAKEN', `serial ${(clash[0] as { serial: string }).serial} is already registered`, 'conflict');
        await runSql(
          em,
          `insert into ticketing.blank_batch (id, organizer_id, label, serial_prefix, first_number, last_number, number_width, security_features, registered_by)
           values (?, ?, ?, ?, ?, ?, ?, ?::text[], ?)`,
          [id, p.organizationId, req.label, req.serialPrefix, req.firstNumber, last, width, req.securityFeatures, p.subjectId],
        );
        await runSql(
          em,
          `insert into ticketing.blank (serial, batch_id, organizer_id, prefix, number, state)
           select ? || lpad(n::text, ?, '0'), ?, ?, ?, n, 'available' from generate_series(?::bigint, ?::bigint) as n`,
          [req.serialPrefix, width, id, p.organizationId, req.serialPrefix, req.firstNumber, last],
        );
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('TICKETING.SERIAL_RANGE_TAKEN', 'the serial range overlaps a registered batch', 'conflict');
      throw e;
    }
    return this.batch(p, id);
  }

  async batch(p: Principal, id: string) {
    const [b] = await runSql<Record<string, any>>(
      this.em(),
      `select id, label, serial_prefix, first_number, last_number, number_width, security_features, registered_at
         from ticketing.blank_batch where id = ? and organizer_id = ?`,
      [id, p.organizationId],
    );
    if (!b) throw DomainError.notFound('TICKETING.BATCH_NOT_FOUND', 'blank batch');
    return {
      id: b.id,
      label: b.label,
      firstSerial: formatSerial(b.serial_prefix, BigInt(b.first_number), b.number_width),
      lastSerial: formatSerial(b.serial_prefix, BigInt(b.last_number), b.number_width),
      count: Number(b.last_number) - Number(b.first_number) + 1,
      securityFeatures: b.security_features,
      registeredAt: new Date(b.registered_at).toISOString(),
    };
  }

  async listBatches(p: Principal) {
    const rows = await runSql<{ id: string }>(this.em(), `select id from ticketing.blank_batch where organizer_id = ? order by registered_at`, [p.organizationId]);
    return Promise.all(rows.map((r) => this.batch(p, r.id)));
  }

  /**
   * Hands blanks of a batch to an office (a presale office, or the organizer's own box office = organizer id). Without
   * a range: every available blank still in the organizer's store. With a serial range: the available blanks of the
   * range wherever they are (a transfer between offices, recorded with its origin).
   */
  async handOver(p: Principal, batchId: string, req: { officeId: string; firstSerial?: string; lastSerial?: string }) {
    await this.batch(p, batchId);
    return this.em().transactional(async (em) => {
      if (req.officeId !== p.organizationId) {
        const office = await runSql(em, `select 1 from ticketing.party where organization_id = ? and kind = 'presale-office'`, [req.officeId]);
        if (!office.length) throw DomainError.notFound('TICKETING.OFFICE_NOT_FOUND', 'presale office');
      }
      const numberOf = async (serial: string) => {
        const [r] = await runSql<{ number: string }>(em, `select number from ticketing.blank where serial = ? and batch_id = ?`, [serial, batchId]);
        if (!r) throw DomainError.notFound('TICKETING.BLANK_NOT_FOUND', `blank ${serial} of this batch`);
        return { number: BigInt(r.number) };
      };
      const from = req.firstSerial ? await numberOf(req.firstSerial) : null;
      const to = req.lastSerial ? await numberOf(req.lastSerial) : null;
      const moved = await runSql<{ serial: string; number: string; old_office: string | null }>(
        em,
        `with sel as (
           select serial, office_id as old_office from ticketing.blank
            where batch_id = ? and state = 'available' and office_id is distinct from ? ${from || to ? '' : 'and office_id is null'}
              ${from ? 'and number >= ?' : ''} ${to ? 'and number <= ?' : ''}
            for update)
         update ticketing.blank b set office_id = ? from sel where b.serial = sel.serial
         returning b.serial, b.number, sel.old_office`,
        [batchId, req.officeId, ...(from ? [from.number.toString()] : []), ...(to ? [to.number.toString()] : []), req.officeId],
      );
      if (!moved.length) throw new DomainError('TICKETING.NOTHING_TO_HAND_OVER', 'no available blanks in that range outside this office', 'conflict');
      const groups = new Map<string, typeof moved>();
      for (const m of moved) groups.set(m.old_office ?? '', [...(groups.get(m.old_office ?? '') ?? []), m]);
      for (const [fromOffice, list] of groups) {
        list.sort((a, b) => Number(a.number) - Number(b.number));
        await runSql(
          em,
          `insert into ticketing.blank_handover (id, organizer_id, batch_id, from_office_id, to_office_id, first_serial, last_serial, count, handed_by)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [newId(), p.organizationId, batchId, fromOffice || null, req.officeId, list[0].serial, list[list.length - 1].serial, list.length, p.subjectId],
        );
      }
      const sorted = moved.map((m) => m.serial).sort();
      return { officeId: req.officeId, count: moved.length, firstSerial: sorted[0], lastSerial: sorted[sorted.length - 1] };
    });
  }

  /**
   * Voids a blank (misprint, jam, damage) with a reason. A used blank keeps its ticket binding for good; its barcode is
   * revoked and, with `reprint`, the ticket is printed again on the office's next blank (a one-ticket reprint run).
   */
  async void(p: Principal, serial: string, req: { reason: string; reprint?: boolean }): Promise<{ serial: string; state: 'void'; revoked: string[]; reprintRun: PrintRunView | null }> {
    const scope = scopeOf(p);
    const result = await this.em().transactional(async (em) => {
      const [b] = await runSql<{ organizer_id: string; office_id: string | null; state: string; ticket_id: string | null; barcode_id: string | null }>(
        em,
        `select organizer_id, office_id, state, ticket_id, barcode_id from ticketing.blank where serial = ? for update`,
        [serial],
      );
      const visible = b && (!scope.organizerId || b.organizer_id === scope.organizerId) && (!scope.officeId || b.office_id === scope.officeId);
      if (!visible) throw DomainError.notFound('TICKETING.BLANK_NOT_FOUND', 'blank');
      if (b.state === 'void') throw new DomainError('TICKETING.BLANK_ALREADY_VOID', `blank ${serial} is already void`, 'conflict');
      await runSql(em, `update ticketing.blank set state = 'void', void_reason = ?, voided_at = now() where serial = ?`, [req.reason, serial]);
      let revoked: string[] = [];
      let runId: string | null = null;
      if (b.state === 'used' && b.ticket_id) {
        const [current] = await runSql(em, `select 1 from ticketing.barcode where id = ? and status = 'valid'`, [b.barcode_id]);
        if (current) revoked = await this.issuer.revokeCurrent(em, b.organizer_id, [b.ticket_id], `blank voided: ${req.reason}`);
        if (req.reprint) {
          const [t] = await runSql<{ status: string }>(em, `select status from ticketing.ticket where ticket_id = ?`, [b.ticket_id]);
          if (t?.status === 'paid') {
            runId = await this.runs.createIn(em, p, { officeId: b.office_id!, ticketIds: [b.ticket_id], includePrinted: true }, 'reprint');
          }
        }
      } else if (req.reprint) {
        throw new DomainError('TICKETING.NOTHING_TO_REPRINT', 'the blank was not printed on', 'unprocessable');
      }
      return { revoked, runId };
    });
    if (result.runId) await this.runs.enqueue(result.runId);
    return { serial, state: 'void', revoked: result.revoked, reprintRun: result.runId ? await this.runs.get(p, result.runId) : null };
  }

  async blank(p: Principal, serial: string) {
    const scope = scopeOf(p);
    const [b] = await runSql<Record<string, any>>(
      this.em(),
      `select b.serial, b.batch_id as "batchId", b.office_id as "officeId", b.state, b.ticket_id as "ticketId", b.print_run_id as "printRunId",
              b.used_at as "usedAt", b.void_reason as "voidReason", b.voided_at as "voidedAt", x.security_features as "securityFeatures"
         from ticketing.blank b join ticketing.blank_batch x on x.id = b.batch_id
        where b.serial = ? and (?::uuid is null or b.organizer_id = ?) and (?::uuid is null or b.office_id = ?)`,
      [serial, scope.organizerId, scope.organizerId, scope.officeId, scope.officeId],
    );
    if (!b) throw DomainError.notFound('TICKETING.BLANK_NOT_FOUND', 'blank');
    return b;
  }

  /** Stock report: available / used / void per office and batch (an office of null = still at the organizer). */
  async report(p: Principal) {
    const scope = scopeOf(p);
    const rows = await runSql<Record<string, any>>(
      this.em(),
      `select b.organizer_id as "organizerId", b.office_id as "officeId", b.batch_id as "batchId", x.label as "batchLabel",
              count(*) filter (where b.state = 'available')::int as available,
              count(*) filter (where b.state = 'used')::int as used,
              count(*) filter (where b.state = 'void')::int as void,
              min(b.serial) filter (where b.state = 'available') as "nextSerial"
         from ticketing.blank b join ticketing.blank_batch x on x.id = b.batch_id
        where (?::uuid is null or b.organizer_id = ?) and (?::uuid is null or b.office_id = ?)
        group by b.organizer_id, b.office_id, b.batch_id, x.label
        order by b.office_id nulls first, x.label`,
      [scope.organizerId, scope.organizerId, scope.officeId, scope.officeId],
    );
    const totals = rows.reduce((a, r) => ({ available: a.available + r.available, used: a.used + r.used, void: a.void + r.void }), { available: 0, used: 0, void: 0 });
    return { rows, totals };
  }
}
