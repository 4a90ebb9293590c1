import { Injectable } from '@nestjs/common';
import { JobHandler, JobProcessor } from '../../../../infrastructure/jobs/job-handler.decorator';
import { StatementImports } from '../statement-imports.service';

/** Thin processor: imports one validated upload (idempotent: a finished upload returns its stored result). */
@Injectable()
@JobHandler('escrow.import-statement')
export class ImportStatementJob implements JobProcessor<'escrow.import-statement'> {
  constructor(private readonly imports: StatementImports) {}
  process({ uploadId }: { uploadId: string }) {
    return this.imports.runUpload(uploadId);
  }
}
