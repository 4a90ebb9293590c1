import { Migration } from '@mikro-orm/migrations';

/** CRLs remember a digest of their entries, so a burst of revocation jobs signs one CRL, not one per job. */
export class Migration20261204005100_security_pki_crl_digest extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table security.pki_crl add column entries_digest text;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table security.pki_crl drop column if exists entries_digest;`);
  }
}
