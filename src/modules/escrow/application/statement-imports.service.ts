import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { JobQueue } from '../../../infrastructure/jobs/jobs.module';
import { DomainError } from '../../../shared-kernel/domain-error';
import { newId } from '../../../shared-kernel/ids';
import { STATEMENT_GATEWAYS, StatementGateway } from '../domain/payment-gateway';
import { ParsedStatement } from '../domain/statement';
import { inLedgerTx } from './ledger-tx';
import { ImportSummary, PaymentIntake } from './payment-intake.service';

/**
 * Bank statement uploads: validated completely on upload (a malformed file is a 4xx and is not stored), then
 * imported by the `escrow.import-statement` job in ONE transaction (nothing imported halfway).
 */
@Injectable()
export class StatementImports {
  constructor(
    private readonly orm: MikroORM,
    private readonly intake: PaymentIntake,
    private readonly jobs: JobQueue,
    @Inject(STATEMENT_GATEWAYS) private readonly gateways: StatementGateway[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  parse(raw: Buffer, format?: string | null): ParsedStatement {
    if (!raw?.length) throw new DomainError('ESCROW.STATEMENT_EMPTY', 'the statement file is empty', 'validation');
    if (raw.length > this.config.ESCROW_STATEMENT_MAX_BYTES) {
      throw new DomainError('ESCROW.STATEMENT_TOO_LARGE', `statement files are limited to ${this.config.ESCROW_STATEMENT_MAX_BYTES} bytes`, 'too-large');
    }
    const gw = format ? this.gateways.find((g) => g.format === format) : this.gateways.find((g) => g.sniff(raw));
    if (!gw) throw new DomainError('ESCROW.STATEMENT_FORMAT_UNKNOWN', 'not a camt.053 (XML) or MT940 statement', 'validation');
    return gw.parse(raw);
  }

  async upload(raw: Buffer, format: string | null, fileName: string | null, createdBy: string | null) {
    const parsed = this.parse(raw, format);
    const id = newId();
    await runSql(this.orm.em.fork() as EntityManager, `insert into escrow.statement_upload (id, format, file_name, content, status, created_by) values (?, ?, ?, ?, 'queued', ?)`, [
      id,
      parsed.format,
      fileName,
      raw,
      createdBy,
    ]);
    await this.jobs.add('escrow.import-statement', { uploadId: id }, { jobId: `escrow-import-${id}` });
    return { uploadId: id, status: 'queued', format: parsed.format, transactions: parsed.lines.length };
  }

  /** The job: imports one upload; a re-delivered job finds the upload done and returns its result. */
  async runUpload(uploadId: string): Promise<ImportSummary | null> {
    try {
      return await inLedgerTx(this.orm, async (tem) => {
        const [u] = await runSql<{ format: string; content: Buffer; status: string; result: ImportSummary | null; created_by: string | null; file_name: string | null }>(
          tem,
          `select format, content, status, result, created_by, file_name from escrow.statement_upload where id = ? for update`,
          [uploadId],
        );
        if (!u) return null;
        if (u.status !== 'queued') return u.result;
        const summary = await this.importParsed(tem, u.content, this.parse(u.content, u.format), u.file_name, u.created_by);
        await runSql(tem, `update escrow.statement_upload set status = 'imported', result = ?::jsonb, finished_at = now() where id = ?`, [JSON.stringify(summary), uploadId]);
        return summary;
      });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e; // infrastructure trouble: the job is retried
      // A business refusal rolled the whole import back (nothing halfway); record why, in a transaction of its own.
      await runSql(this.orm.em.fork() as EntityManager, `update escrow.statement_upload set status = 'failed', error = ?::jsonb, finished_at = now() where id = ? and status = 'queued'`, [
        JSON.stringify({ code: e.code, message: e.message, details: e.details ?? null }),
        uploadId,
      ]);
      return null;
    }
  }

  /** Synchronous import (benchmark, tooling): parse + import in one transaction. */
  async importNow(raw: Buffer, format?: string | null, createdBy: string | null = null): Promise<ImportSummary> {
    const known = await this.intake.knownFile(this.orm.em.fork() as EntityManager, raw);
    if (known) return known;
    const parsed = this.parse(raw, format);
    return inLedgerTx(this.orm, (tem) => this.importParsed(tem, raw, parsed, null, createdBy));
  }

  async status(uploadId: string) {
    const [u] = await runSql<Record<string, unknown>>(
      this.orm.em.fork() as EntityManager,
      `select id "uploadId", format, file_name "fileName", status, result, error, created_at "createdAt", finished_at "finishedAt" from escrow.statement_upload where id = ?`,
      [uploadId],
    );
    if (!u) throw DomainError.notFound('ESCROW.UPLOAD_NOT_FOUND', 'statement upload');
    return u;
  }

  private importParsed(em: EntityManager, raw: Buffer, parsed: ParsedStatement, fileName: string | null, createdBy: string | null) {
    return this.intake.importStatement(em, raw, parsed, { fileName, createdBy });
  }
}
