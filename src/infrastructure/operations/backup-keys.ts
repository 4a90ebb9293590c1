import { Inject, Injectable, Logger } from '@nestjs/common';
import { KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { BackupKeyError, ensureDevKeyPair, keyFingerprint, loadPrivateKey, loadPublicKey } from './backup-crypto';

/**
 * The backup key pair. Making a backup needs only the public key (BACKUP_PUBLIC_KEY_FILE); restoring and the restore
 * drill need the private key (BACKUP_PRIVATE_KEY_FILE), which production keeps off the application hosts. In
 * development and tests a pair is generated into BACKUP_DEV_KEY_DIR on first use (and logged).
 */
@Injectable()
export class BackupKeys {
  private readonly log = new Logger('BackupKeys');
  private pub?: Promise<KeyObject>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private async files(): Promise<{ publicKeyFile: string; privateKeyFile?: string }> {
    if (this.config.BACKUP_PUBLIC_KEY_FILE) {
      return { publicKeyFile: this.config.BACKUP_PUBLIC_KEY_FILE, privateKeyFile: this.config.BACKUP_PRIVATE_KEY_FILE };
    }
    if (this.config.NODE_ENV === 'production') {
      throw new BackupKeyError('BACKUP_PUBLIC_KEY_FILE is not set: backups cannot be encrypted (required in production)');
    }
    const dev = await ensureDevKeyPair(this.config.BACKUP_DEV_KEY_DIR);
    if (dev.created) {
      this.log.warn(
        `generated a DEVELOPMENT RSA-4096 backup key pair in ${this.config.BACKUP_DEV_KEY_DIR} (backup-public.pem, backup-private.pem); ` +
          'production must set BACKUP_PUBLIC_KEY_FILE and keep the private key elsewhere',
      );
    }
    return { publicKeyFile: dev.publicKeyFile, privateKeyFile: this.config.BACKUP_PRIVATE_KEY_FILE ?? dev.privateKeyFile };
  }

  publicKey(): Promise<KeyObject> {
    this.pub ??= (async () => {
      const { publicKeyFile } = await this.files();
      const key = loadPublicKey(await fs.readFile(publicKeyFile, 'utf8'));
      this.log.log(`backup public key ${keyFingerprint(key).slice(0, 16)}… from ${publicKeyFile}`);
      return key;
    })().catch((e) => {
      this.pub = undefined;
      throw e;
    });
    return this.pub;
  }

  /** The private key, or null when this process has none (restore drills are then skipped with a warning). */
  async privateKey(): Promise<KeyObject | null> {
    const { privateKeyFile } = await this.files();
    if (!privateKeyFile) return null;
    try {
      return loadPrivateKey(await fs.readFile(privateKeyFile, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
}
