import type { AppConfig } from '../../../../config/configuration';
import { BackupStorage } from './backup-storage';
import { FsBackupStorage } from './fs-backup-storage';
import { S3BackupStorage } from './s3-backup-storage';

type StorageConfig = Pick<
  AppConfig,
  | 'NODE_ENV'
  | 'BACKUP_STORAGES'
  | 'BACKUP_FS_DIR'
  | 'BACKUP_S3_ENDPOINT'
  | 'BACKUP_S3_REGION'
  | 'BACKUP_S3_BUCKET'
  | 'BACKUP_S3_PREFIX'
  | 'BACKUP_S3_ACCESS_KEY_ID'
  | 'BACKUP_S3_SECRET_ACCESS_KEY'
  | 'BACKUP_S3_FORCE_PATH_STYLE'
>;

/** The configured storages (BACKUP_STORAGES), in order. Every backup is written to each of them. */
export function createBackupStorages(config: StorageConfig): BackupStorage[] {
  const names = [...new Set(config.BACKUP_STORAGES.split(',').map((s) => s.trim()))];
  return names.map((name) => {
    if (name === 'fs') return new FsBackupStorage(config.BACKUP_FS_DIR);
    if (!config.BACKUP_S3_BUCKET) throw new Error('BACKUP_S3_BUCKET is required when BACKUP_STORAGES contains s3');
    return new S3BackupStorage({
      endpoint: config.BACKUP_S3_ENDPOINT,
      region: config.BACKUP_S3_REGION,
      bucket: config.BACKUP_S3_BUCKET,
      prefix: config.BACKUP_S3_PREFIX,
      accessKeyId: config.BACKUP_S3_ACCESS_KEY_ID,
      secretAccessKey: config.BACKUP_S3_SECRET_ACCESS_KEY,
      forcePathStyle: config.BACKUP_S3_FORCE_PATH_STYLE,
      createBucket: config.NODE_ENV !== 'production',
    });
  });
}
