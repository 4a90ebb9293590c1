import { Module, OnModuleInit } from '@nestjs/common';
import { CLOCK, SystemClock } from '../../shared-kernel/clock';
import { BackupKeys } from './backup-keys';
import { BackupService, backupStoragesProvider, BACKUP_STORAGES } from './backup.service';
import { BackupStatusService } from './backup-status.service';
import { MaintenanceWindow } from './maintenance-window.service';
import { OperationsController } from './operations.controller';
import { BackupJob, CheckBackupsJob, OperationsSchedule, RestoreDrillJob } from './operations.jobs';
import { OperationsMetrics } from './operations-metrics';
import { OutboxRedriveService } from './outbox-redrive.service';
import { RestoreDrillService } from './restore-drill.service';

/**
 * Platform operations: encrypted backups to every configured storage on a GFS schedule, restore drills, the
 * maintenance window, backup status (API + /metrics) and the outbox re-drive after Redis data loss.
 */
@Module({
  controllers: [OperationsController],
  providers: [
    { provide: CLOCK, useClass: SystemClock },
    backupStoragesProvider,
    BackupKeys,
    OperationsMetrics,
    BackupService,
    BackupStatusService,
    RestoreDrillService,
    MaintenanceWindow,
    OutboxRedriveService,
    OperationsSchedule,
    BackupJob,
    RestoreDrillJob,
    CheckBackupsJob,
  ],
  exports: [BackupService, BackupStatusService, RestoreDrillService, MaintenanceWindow, OutboxRedriveService, BACKUP_STORAGES],
})
export class OperationsModule implements OnModuleInit {
  constructor(
    private readonly redrive: OutboxRedriveService,
    private readonly metrics: OperationsMetrics,
  ) {}

  onModuleInit(): void {
    this.redrive.redriven = (n) => this.metrics.redriven.inc(n);
  }
}
