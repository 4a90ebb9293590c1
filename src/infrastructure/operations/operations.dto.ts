import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { BACKUP_TIERS, BackupTier } from './backup-types';

export class StartBackupRequest {
  @ApiProperty({ enum: BACKUP_TIERS, description: 'tier of the backup (retention class)' })
  @IsIn(BACKUP_TIERS as unknown as string[])
  tier!: BackupTier;
}

export class ListBackupsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class JobAccepted {
  @ApiProperty()
  jobId!: string;
  @ApiProperty()
  name!: string;
}
