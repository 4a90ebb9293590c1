import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { runSql } from '../database/sql';
import { Roles } from '../http/route-access';
import { JobQueue } from '../jobs/jobs.module';
import { BackupStatusService } from './backup-status.service';
import { JobAccepted, ListBackupsQuery, StartBackupRequest } from './operations.dto';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('operations')
export class OperationsController {
  constructor(
    private readonly status: BackupStatusService,
    private readonly jobs: JobQueue,
    private readonly orm: MikroORM,
  ) {}

  /** Last successful backup per tier and storage (with staleness), the last restore drill, the maintenance window. */
  @Get('backups/status')
  @Roles('platform-admin')
  @ApiOkResponse({ description: 'backup status per tier and storage' })
  backupStatus() {
    return this.status.status();
  }

  /** Recent backup runs with their copies per storage. */
  @Get('backups')
  @Roles('platform-admin')
  @ApiOkResponse({ description: 'recent backup runs, newest first' })
  async list(@Query() q: ListBackupsQuery) {
    const em = this.orm.em.fork() as EntityManager;
    return runSql(
      em,
      `select b.id, b.tier, b.status, b.started_at as "startedAt", b.finished_at as "finishedAt", b.snapshot_at as "snapshotAt",
              b.size_bytes::float8 as "sizeBytes", b.sha256, b.duration_ms as "durationMs", b.migration, b.error,
              coalesce((select json_agg(json_build_object('storage', c.storage, 'status', c.status, 'attempts', c.attempts,
                                                          'error', c.error, 'storedAt', c.stored_at) order by c.storage)
                          from operations.backup_copy c where c.backup_id = b.id), '[]'::json) as copies
         from operations.backup b order by b.started_at desc limit ?`,
      [q.limit ?? 50],
    );
  }

  /** Starts a backup now (any tier, also outside the maintenance window); runs on the `backups` queue. */
  @Post('backups')
  @Roles('platform-admin')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: JobAccepted })
  async start(@Body() body: StartBackupRequest): Promise<JobAccepted> {
    const job = await this.jobs.add('operations.backup', { tier: body.tier, force: true });
    return { jobId: String(job.id), name: job.name };
  }

  /** Starts a restore drill now (newest backup → scratch database → checks → dropped). */
  @Post('restore-drills')
  @Roles('platform-admin')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: JobAccepted })
  async drill(): Promise<JobAccepted> {
    const job = await this.jobs.add('operations.restore-drill', { force: true });
    return { jobId: String(job.id), name: job.name };
  }
}
