import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { runSql } from '../../../../infrastructure/database/sql';
import { JobQueue } from '../../../../infrastructure/jobs/jobs.module';
import { checkRule, DomainError } from '../../../../shared-kernel/domain-error';
import type { Principal } from '../../../../shared-kernel/roles';
import { AuditLog } from '../../application/audit-log';
import {
  AdminRevocationReason,
  BindingKind,
  BindingKindAllowedRule,
  CertificateBinding,
  Pkcs12Format,
  Pkcs12PasswordPolicyRule,
} from '../domain/certificate-binding';
import { buildPkcs12, encryptPrivateKey, issueClientCertificate, newSerial } from '../infrastructure/x509-toolkit';
import { ClientCertEnforcer } from './client-cert-enforcer';
import { DirectoryEnforcement } from './directory-enforcement.service';
import { PkiBus } from './pki-bus';
import { PlatformCa } from './platform-ca.service';

const isPlatformAdmin = (p: Principal) => p.organizationKind === 'platform' && p.roles.includes('platform-admin');

export interface Actor {
  principal: Principal;
  clientAddress?: string;
}

export interface IssueCertificateInput {
  userId: string;
  binding: CertificateBinding;
  pkcs12Password: string;
  pkcs12Format?: Pkcs12Format;
  validityDays?: number;
}

export interface CertificateView {
  serial: string;
  organizationId: string;
  userId: string;
  binding: { kind: BindingKind; machineName?: string; account?: string };
  subject: string;
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
  issuedAt: Date;
  issuedBy: string | null;
  status: 'active' | 'on-hold' | 'revoked';
  revokedAt: Date | null;
  revocationReason: string | null;
}

interface CertRow {
  serial: string;
  organization_id: string;
  user_id: string;
  binding_kind: BindingKind;
  machine_name: string | null;
  directory_account: string | null;
  subject: string;
  fingerprint_sha256: string;
  not_before: Date;
  not_after: Date;
  issued_at: Date;
  issued_by: string | null;
  status: CertificateView['status'];
  revoked_at: Date | null;
  revocation_reason: string | null;
}

const view = (r: CertRow): CertificateView => ({
  serial: r.serial,
  organizationId: r.organization_id,
  userId: r.user_id,
  binding: r.binding_kind === 'machine' ? { kind: 'machine', machineName: r.machine_name! } : { kind: 'directory', account: r.directory_account! },
  subject: r.subject,
  fingerprintSha256: r.fingerprint_sha256,
  notBefore: r.not_before,
  notAfter: r.not_after,
  issuedAt: r.issued_at,
  issuedBy: r.issued_by,
  status: r.status,
  revokedAt: r.revoked_at,
  revocationReason: r.revocation_reason,
});

const COLUMNS = `serial, organization_id, user_id, binding_kind, machine_name, directory_account, subject, fingerprint_sha256, not_before, not_after,
  issued_at, issued_by, status, revoked_at, revocation_reason`;

/**
 * Issuing and revoking client certificates, and the organization's certificate policy. Tenant rule: an organizer
 * admin works on users of its own organization only (others: 404); platform admins on all.
 */
@Injectable()
export class ClientCertificateService {
  private readonly log = new Logger('ClientCertificates');

  constructor(
    private readonly orm: MikroORM,
    private readonly ca: PlatformCa,
    private readonly audit: AuditLog,
    private readonly directory: DirectoryEnforcement,
    private readonly enforcer: ClientCertEnforcer,
    private readonly bus: PkiBus,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  crlUrl(): string {
    if (this.config.PKI_CRL_URL) return this.config.PKI_CRL_URL;
    const base = this.config.PUBLIC_BASE_URL ?? `https://localhost:${this.config.HTTP_PORT || 8443}`;
    return `${base.replace(/\/$/, '')}/pki/crl`;
  }

  async issue(actor: Actor, input: IssueCertificateInput) {
    const p = actor.principal;
    const em = this.em();
    const [user] = await runSql<{ id: string; email: string; display_name: string; active: boolean; organization_id: string; org_name: string; bindings: string[] }>(
      em,
      `select u.id, u.email, u.display_name, u.active, u.organization_id, o.name as org_name, o.client_cert_bindings as bindings
         from security."user" u join security.organization o on o.id = u.organization_id
        where u.id = ? ${isPlatformAdmin(p) ? '' : 'and u.organization_id = ?'}`,
      isPlatformAdmin(p) ? [input.userId] : [input.userId, p.organizationId],
    );
    if (!user) throw DomainError.notFound('PKI.USER_NOT_FOUND', 'user');
    if (!user.active) throw new DomainError('PKI.USER_INACTIVE', 'certificates are issued only to active users', 'unprocessable');
    checkRule(new Pkcs12PasswordPolicyRule(input.pkcs12Password, user.email));
    checkRule(new BindingKindAllowedRule(input.binding.kind, user.bindings));
    const validityDays = input.validityDays ?? this.config.PKI_CLIENT_CERT_DAYS;
    if (validityDays > this.config.PKI_CLIENT_CERT_DAYS) {
      throw new DomainError('PKI.VALIDITY_TOO_LONG', `at most ${this.config.PKI_CLIENT_CERT_DAYS} days`, 'validation', {
        errors: [{ field: 'validityDays', message: `must be at most ${this.config.PKI_CLIENT_CERT_DAYS}` }],
      });
    }

    if (input.binding.kind === 'machine') {
      const [taken] = await runSql<{ user_id: string }>(
        em,
        `select user_id from security.client_certificate where organization_id = ? and binding_kind = 'machine' and lower(machine_name) = lower(?) and status <> 'revoked'`,
        [user.organization_id, input.binding.machineName],
      );
      if (taken) throw this.machineTaken(input.binding.machineName);
    } else {
      await this.checkDirectoryAccount(em, user, input.binding.account);
    }

    // Slow part (RSA-4096 key generation, ~1–3 s, off the event loop) outside any transaction.
    const ca = await this.ca.current();
    const serial = newSerial();
    const notBefore = new Date(Date.now() - 5 * 60_000);
    const notAfter = new Date(Date.now() + validityDays * 86400_000);
    const issued = await issueClientCertificate({
      ca: ca.material,
      serial,
      user: { id: user.id, email: user.email, displayName: user.display_name },
      organization: { id: user.organization_id, name: user.org_name },
      binding: input.binding,
      notBefore,
      notAfter,
      crlUrl: this.crlUrl(),
    });
    const format = input.pkcs12Format ?? 'legacy-3des';
    const pkcs12 = buildPkcs12({
      privateKeyPem: issued.privateKeyPem,
      certificatePem: issued.certificatePem,
      caCertificatePem: ca.material.certificatePem,
      password: input.pkcs12Password,
      format,
      friendlyName: `ProTicket ${user.email}`,
    });
    const encryptedKeyPem = encryptPrivateKey(issued.privateKeyPem, input.pkcs12Password);

    await em.transactional(async (tem) => {
      if (input.binding.kind === 'directory') {
        await runSql(
          tem,
          `insert into security.directory_link (user_id, organization_id, account, state, checked_at) values (?, ?, ?, 'enabled', now())
           on conflict (user_id) do update set checked_at = now()`,
          [user.id, user.organization_id, input.binding.account],
        );
      }
      try {
        await runSql(
          tem,
          `insert into security.client_certificate (serial, ca_id, organization_id, user_id, binding_kind, machine_name, directory_account, subject,
             fingerprint_sha256, certificate_pem, pkcs12_format, not_before, not_after, issued_by)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            serial,
            ca.id,
            user.organization_id,
            user.id,
            input.binding.kind,
            input.binding.kind === 'machine' ? input.binding.machineName : null,
            input.binding.kind === 'directory' ? input.binding.account : null,
            issued.subject,
            issued.fingerprintSha256,
            issued.certificatePem,
            format,
            notBefore,
            notAfter,
            p.subjectId,
          ],
        );
      } catch (e) {
        if (/client_certificate_machine_once/.test((e as Error).message) && input.binding.kind === 'machine') throw this.machineTaken(input.binding.machineName);
        throw e;
      }
      await this.audit.append(tem, {
        actorId: p.subjectId,
        actorKind: p.kind,
        organizationId: user.organization_id,
        action: 'pki.certificate-issued',
        targetType: 'client-certificate',
        targetId: serial,
        clientAddress: actor.clientAddress ?? null,
        data: { serial, userId: user.id, binding: input.binding, notAfter: notAfter.toISOString(), pkcs12Format: format, fingerprintSha256: issued.fingerprintSha256 },
      });
    });
    this.log.log(`issued client certificate ${serial} to user ${user.id} (${input.binding.kind})`);
    return {
      serial,
      userId: user.id,
      organizationId: user.organization_id,
      binding: input.binding,
      subject: issued.subject,
      fingerprintSha256: issued.fingerprintSha256,
      notBefore,
      notAfter,
      pkcs12Format: format,
      /** base64 of the password-protected PKCS#12 (key, certificate, CA chain): the only copy of the private key. */
      pkcs12Base64: pkcs12.toString('base64'),
      certificatePem: issued.certificatePem,
      /** The private key as PKCS#8, encrypted (AES-256) with the PKCS#12 password. */
      encryptedPrivateKeyPem: encryptedKeyPem,
      caCertificatePem: ca.material.certificatePem,
    };
  }

  private machineTaken(machine: string): DomainError {
    return new DomainError('PKI.MACHINE_ALREADY_BOUND', `machine ${machine} already has a live certificate in this organization; revoke it first`, 'conflict');
  }

  private async checkDirectoryAccount(em: EntityManager, user: { id: string; organization_id: string }, account: string): Promise<void> {
    if (!this.directory.configured) throw new DomainError('PKI.DIRECTORY_NOT_CONFIGURED', 'no directory is configured for directory-bound certificates', 'unprocessable');
    const [other] = await runSql<{ user_id: string; account: string }>(
      em,
      `select user_id, account from security.directory_link where (organization_id = ? and lower(account) = lower(?)) or user_id = ?`,
      [user.organization_id, account, user.id],
    );
    if (other && other.user_id !== user.id) throw new DomainError('PKI.DIRECTORY_ACCOUNT_TAKEN', 'this directory account is linked to another user', 'conflict');
    if (other && other.account.toLowerCase() !== account.toLowerCase()) {
      throw new DomainError('PKI.DIRECTORY_ACCOUNT_MISMATCH', `this user is linked to the directory account ${other.account}`, 'conflict');
    }
    let state;
    try {
      state = await this.directory.lookupOne(account);
    } catch (e) {
      throw new DomainError('PKI.DIRECTORY_UNAVAILABLE', `the directory cannot be reached: ${(e as Error).message}`, 'unavailable');
    }
    if (!state.exists) throw new DomainError('PKI.DIRECTORY_ACCOUNT_NOT_FOUND', `directory account ${account} does not exist`, 'unprocessable');
    if (state.disabled) throw new DomainError('PKI.DIRECTORY_ACCOUNT_DISABLED', `directory account ${account} is disabled`, 'unprocessable');
  }

  async revoke(actor: Actor, serial: string, reason: AdminRevocationReason) {
    const p = actor.principal;
    const em = this.em();
    const row = await em.transactional(async (tem) => {
      const [current] = await runSql<CertRow>(
        tem,
        `select ${COLUMNS} from security.client_certificate where serial = ? ${isPlatformAdmin(p) ? '' : 'and organization_id = ?'} for update`,
        isPlatformAdmin(p) ? [serial] : [serial, p.organizationId],
      );
      if (!current) throw DomainError.notFound('PKI.CERTIFICATE_NOT_FOUND', 'certificate');
      if (current.status === 'revoked') throw new DomainError('PKI.ALREADY_REVOKED', 'the certificate is already revoked', 'conflict');
      const [updated] = await runSql<CertRow>(
        tem,
        `update security.client_certificate set status = 'revoked', revoked_at = now(), revocation_reason = ?, revoked_by = ? where serial = ? returning ${COLUMNS}`,
        [reason, p.subjectId, serial],
      );
      await this.audit.append(tem, {
        actorId: p.subjectId,
        actorKind: p.kind,
        organizationId: current.organization_id,
        action: 'pki.certificate-revoked',
        targetType: 'client-certificate',
        targetId: serial,
        clientAddress: actor.clientAddress ?? null,
        data: { serial, reason, owner: current.user_id },
      });
      return updated;
    });
    // After commit: every instance drops its cached check (the next request is refused), then a new CRL.
    await this.bus.publish({ type: 'revoked', serials: [serial], userIds: [] });
    await this.jobs.add('security.pki.publish-crl', { reason: `revocation ${serial}` }).catch((e: Error) => this.log.error(`CRL job not queued (the schedule will catch up): ${e.message}`));
    return view(row);
  }

  async list(p: Principal, filter: { userId?: string; organizationId?: string }): Promise<CertificateView[]> {
    const org = isPlatformAdmin(p) ? (filter.organizationId ?? null) : p.organizationId;
    const where: string[] = [];
    const params: unknown[] = [];
    if (org) (where.push('organization_id = ?'), params.push(org));
    if (filter.userId) (where.push('user_id = ?'), params.push(filter.userId));
    const rows = await runSql<CertRow>(
      this.em(),
      `select ${COLUMNS} from security.client_certificate ${where.length ? 'where ' + where.join(' and ') : ''} order by issued_at desc limit 1000`,
      params,
    );
    return rows.map(view);
  }

  async get(p: Principal, serial: string): Promise<CertificateView & { certificatePem: string }> {
    const [row] = await runSql<CertRow & { certificate_pem: string }>(
      this.em(),
      `select ${COLUMNS}, certificate_pem from security.client_certificate where serial = ? ${isPlatformAdmin(p) ? '' : 'and organization_id = ?'}`,
      isPlatformAdmin(p) ? [serial] : [serial, p.organizationId],
    );
    if (!row) throw DomainError.notFound('PKI.CERTIFICATE_NOT_FOUND', 'certificate');
    return { ...view(row), certificatePem: row.certificate_pem };
  }

  async getPolicy(p: Principal, organizationId?: string) {
    const org = this.scopedOrg(p, organizationId);
    const [row] = await runSql<{ required: boolean; bindings: string[] }>(
      this.em(),
      `select client_cert_required as required, client_cert_bindings as bindings from security.organization where id = ?`,
      [org],
    );
    if (!row) throw DomainError.notFound('PKI.ORGANIZATION_NOT_FOUND', 'organization');
    return { organizationId: org, clientCertificateRequired: row.required, allowedBindings: row.bindings };
  }

  async setPolicy(actor: Actor & { listener: 'public' | 'business' }, input: { organizationId?: string; clientCertificateRequired: boolean; allowedBindings: BindingKind[] }) {
    const p = actor.principal;
    const org = this.scopedOrg(p, input.organizationId);
    if (input.clientCertificateRequired && org === p.organizationId && actor.listener !== 'business') {
      // The caller's own organization would refuse the caller's very next request: do it with a certificate.
      throw new DomainError(
        'PKI.SELF_LOCKOUT',
        'requiring client certificates for your own organization from the public endpoint would lock you out: switch it on through the business endpoint with your certificate, or ask a platform administrator',
        'unprocessable',
      );
    }
    const bindings = [...new Set(input.allowedBindings)];
    await this.em().transactional(async (tem) => {
      const rows = await runSql(tem, `update security.organization set client_cert_required = ?, client_cert_bindings = ? where id = ? and kind <> 'platform' returning id`, [
        input.clientCertificateRequired,
        bindings,
        org,
      ]);
      if (!rows.length) throw DomainError.notFound('PKI.ORGANIZATION_NOT_FOUND', 'organization');
      await this.audit.append(tem, {
        actorId: p.subjectId,
        actorKind: p.kind,
        organizationId: org,
        action: 'pki.policy-changed',
        targetType: 'organization',
        targetId: org,
        clientAddress: actor.clientAddress ?? null,
        data: { clientCertificateRequired: input.clientCertificateRequired, allowedBindings: bindings },
      });
    });
    this.enforcer.invalidateAll();
    await this.bus.publish({ type: 'revoked', serials: [], userIds: [] }); // other instances drop cached policies
    return { organizationId: org, clientCertificateRequired: input.clientCertificateRequired, allowedBindings: bindings };
  }

  private scopedOrg(p: Principal, organizationId?: string): string {
    const org = organizationId ?? p.organizationId;
    if (!isPlatformAdmin(p) && org !== p.organizationId) throw DomainError.notFound('PKI.ORGANIZATION_NOT_FOUND', 'organization');
    return org;
  }
}
