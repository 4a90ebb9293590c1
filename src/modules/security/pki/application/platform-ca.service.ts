import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { runSql } from '../../../../infrastructure/database/sql';
import { newId } from '../../../../shared-kernel/ids';
import { CaMaterial, createCaCertificate, decryptPrivateKey, encryptPrivateKey } from '../infrastructure/x509-toolkit';

export const DEV_CA_PASSPHRASE = 'development-only-ca-passphrase';
/** Advisory lock key: only one instance creates the CA. */
const CA_LOCK = 0x7c1_ca01;

export interface PlatformCaState {
  id: string;
  material: CaMaterial;
  notAfter: Date;
}

/**
 * The platform CA: RSA-4096, created on first use (one instance wins the advisory lock, the others load its result),
 * its private key stored encrypted with PKI_CA_PASSPHRASE and decrypted only in memory.
 */
@Injectable()
export class PlatformCa {
  private readonly log = new Logger('PlatformCa');
  private state?: PlatformCaState;
  private creating?: Promise<PlatformCaState>;

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private passphrase(): string {
    if (this.config.NODE_ENV === 'production' && this.config.PKI_CA_PASSPHRASE === DEV_CA_PASSPHRASE) {
      throw new Error('PKI_CA_PASSPHRASE must be set in production (the development default protects nothing)');
    }
    return this.config.PKI_CA_PASSPHRASE;
  }

  /** The active CA, or null when none was created yet. */
  async existing(): Promise<PlatformCaState | null> {
    if (this.state) return this.state;
    const em = this.orm.em.fork() as EntityManager;
    const [row] = await runSql<{ id: string; certificate_pem: string; key_pem_encrypted: string; key_id: string; not_after: Date }>(
      em,
      `select id, certificate_pem, key_pem_encrypted, key_id, not_after from security.pki_ca where active`,
    );
    if (!row) return null;
    let privateKeyPem: string;
    try {
      privateKeyPem = decryptPrivateKey(row.key_pem_encrypted, this.passphrase());
    } catch (e) {
      throw new Error(`cannot decrypt the platform CA key (wrong PKI_CA_PASSPHRASE?): ${(e as Error).message}`);
    }
    this.state = { id: row.id, material: { certificatePem: row.certificate_pem, privateKeyPem, keyId: row.key_id }, notAfter: new Date(row.not_after) };
    return this.state;
  }

  /** The active CA, created now if there is none. */
  async current(): Promise<PlatformCaState> {
    const found = await this.existing();
    if (found) return found;
    this.creating ??= this.create().finally(() => (this.creating = undefined));
    return this.creating;
  }

  private async create(): Promise<PlatformCaState> {
    const passphrase = this.passphrase();
    const em = this.orm.em.fork() as EntityManager;
    await em.transactional(async (tem) => {
      await runSql(tem, 'select pg_advisory_xact_lock(?)', [CA_LOCK]);
      const [row] = await runSql(tem, `select id from security.pki_ca where active`);
      if (row) return; // another instance was faster
      const ca = await createCaCertificate({ commonName: this.config.PKI_CA_COMMON_NAME, validityDays: this.config.PKI_CA_VALIDITY_DAYS });
      await runSql(
        tem,
        `insert into security.pki_ca (id, subject, certificate_pem, key_pem_encrypted, key_id, not_after, active) values (?, ?, ?, ?, ?, ?, true)`,
        [newId(), ca.subject, ca.certificatePem, encryptPrivateKey(ca.privateKeyPem, passphrase), ca.keyId, ca.notAfter],
      );
      this.log.log(`created the platform client CA (${ca.subject}, key id ${ca.keyId})`);
    });
    const state = await this.existing();
    if (!state) throw new Error('platform CA missing right after its creation');
    return state;
  }
}
