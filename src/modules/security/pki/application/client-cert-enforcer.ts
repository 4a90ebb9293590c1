import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { runSql } from '../../../../infrastructure/database/sql';
import { connectionInfo, ConnectionInfo } from '../../../../infrastructure/http/business-listener';
import { REDIS, RedisKeys } from '../../../../infrastructure/redis/redis.module';
import { DomainError } from '../../../../shared-kernel/domain-error';
import type { Principal } from '../../../../shared-kernel/roles';
import { AuditLog } from '../../application/audit-log';
import { CertificateFacts, CertificateRefusal, refusalFor, REFUSAL_TEXT } from '../domain/certificate-binding';
import { DirectoryEnforcement } from './directory-enforcement.service';
import { PkiBus } from './pki-bus';

/** Hook of the global AuthGuard: runs on every request after authentication (principal null on @Public routes). */
export interface RequestPolicy {
  check(req: { raw: IncomingMessage; ip: string }, reply: { header(name: string, value: string): unknown }, principal: Principal | null): Promise<void>;
  /** `check` for a @Public route (no principal); `undefined` when there is nothing to check (no promise). */
  checkAnonymous(req: { raw: IncomingMessage; ip: string }, reply: { header(name: string, value: string): unknown }): Promise<void> | undefined;
}
export const REQUEST_POLICY = Symbol('REQUEST_POLICY');

/** Hook of AuthService.login: runs after the password was verified, before a session is created. */
export interface LoginPolicy {
  checkLogin(user: { id: string; organizationId: string; email: string }, client: { address: string; connection?: ConnectionInfo }): Promise<void>;
}
export const LOGIN_POLICY = Symbol('LOGIN_POLICY');

interface Policy {
  required: boolean;
  bindings: string[];
}

interface CachedFacts {
  facts: CertificateFacts & { fingerprint: string; directoryAccount: string | null };
  until: number;
}

const refuse = (code: CertificateRefusal | 'PKI.CLIENT_CERT_REQUIRED' | 'PKI.BUSINESS_LISTENER_USERS_ONLY' | 'PKI.CERT_MISSING', message?: string) =>
  new DomainError(code, message ?? REFUSAL_TEXT[code as CertificateRefusal], 'forbidden');

/**
 * Client-certificate enforcement on every request.
 * - Public listener: a user of an organization with "client certificate required" is refused (403
 *   PKI.CLIENT_CERT_REQUIRED) — public sales and scanner routes (@Public, API keys) are untouched.
 * - Business listener (TLS already verified chain and CRL at the handshake): the presented serial must be one we
 *   issued (fingerprint match), not revoked or held, not expired, bound to the logged-in user, the user active, the
 *   binding kind allowed by the organization, and for directory binding the directory account enabled (re-asked when
 *   the cached result expires). Positive results are cached for PKI_GUARD_CACHE_MS at most and dropped on the PKI bus
 *   at revocation, so a revocation bites on the very next request — also on keep-alive connections opened before it
 *   (the refusal answers `Connection: close`).
 */
@Injectable()
export class ClientCertEnforcer implements RequestPolicy, LoginPolicy {
  private readonly log = new Logger('ClientCert');
  private readonly facts = new Map<string, CachedFacts>();
  private readonly policies = new Map<string, { policy: Policy; until: number }>();

  constructor(
    private readonly orm: MikroORM,
    private readonly directory: DirectoryEnforcement,
    private readonly audit: AuditLog,
    bus: PkiBus,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    bus.on((m) => {
      if (m.type !== 'revoked') return;
      for (const s of m.serials) this.facts.delete(s);
      if (m.userIds.length) for (const [serial, c] of this.facts) if (m.userIds.includes(c.facts.userId)) this.facts.delete(serial);
      this.policies.clear();
    });
  }

  /** Drop every cached decision (policy change, tests). */
  invalidateAll(): void {
    this.facts.clear();
    this.policies.clear();
  }

  checkAnonymous(req: { raw: IncomingMessage; ip: string }, reply: { header(name: string, value: string): unknown }): Promise<void> | undefined {
    // on the public listener an anonymous request has nothing to prove (see check)
    return connectionInfo(req.raw).listener === 'public' ? undefined : this.check(req, reply, null);
  }

  async check(req: { raw: IncomingMessage; ip: string }, reply: { header(name: string, value: string): unknown }, principal: Principal | null): Promise<void> {
    const conn = connectionInfo(req.raw);
    if (conn.listener === 'public') {
      if (principal?.kind === 'user' && (await this.policy(principal.organizationId)).required) {
        throw refuse('PKI.CLIENT_CERT_REQUIRED', 'your organization requires a client certificate: use the business endpoint (client-certificate port)');
      }
      return;
    }
    try {
      if (!conn.serial) throw refuse('PKI.CERT_MISSING', 'no client certificate on this connection');
      if (principal && principal.kind !== 'user') throw refuse('PKI.BUSINESS_LISTENER_USERS_ONLY', 'the business endpoint is for users with client certificates; API keys use the public endpoint');
      await this.assertUsable(conn, principal?.subjectId ?? null, req.ip);
      if (principal?.sessionId) await this.auditFirstUse(principal, conn.serial, req.ip);
    } catch (e) {
      // Refused on an open keep-alive connection: answer, then close it (the client reconnects and must handshake anew).
      reply.header('connection', 'close');
      throw e;
    }
  }

  async checkLogin(user: { id: string; organizationId: string; email: string }, client: { address: string; connection?: ConnectionInfo }): Promise<void> {
    const conn = client.connection ?? { listener: 'public' as const };
    const policy = await this.policy(user.organizationId);
    const link = await this.directory.linkOf(user.id);
    if (link && this.directory.configured) {
      // A user linked to a directory account logs in only while that account is enabled (a disabled account also
      // revokes the sessions). A directory outage blocks logins that need the certificate, not the others.
      let state: string = link.state;
      try {
        state = await this.directory.refresh(link, 'login');
      } catch (e) {
        if (conn.listener === 'business' || policy.required) throw e;
      }
      if (state !== 'enabled') throw refuse('PKI.DIRECTORY_ACCOUNT_DISABLED');
    }
    if (conn.listener === 'public') {
      if (policy.required) {
        throw refuse('PKI.CLIENT_CERT_REQUIRED', 'your organization requires a client certificate: log in through the business endpoint');
      }
      return;
    }
    if (!conn.serial) throw refuse('PKI.CERT_MISSING', 'no client certificate on this connection');
    this.facts.delete(conn.serial); // a login always looks at the current state
    await this.assertUsable(conn, user.id, client.address);
  }

  private async assertUsable(conn: ConnectionInfo, userId: string | null, address: string): Promise<void> {
    const serial = conn.serial!;
    const facts = await this.factsOf(serial);
    let refusal: CertificateRefusal | null = facts && facts.fingerprint !== conn.fingerprint ? 'PKI.CERT_UNKNOWN' : refusalFor(facts, { userId }, new Date());
    if (refusal) {
      this.facts.delete(serial);
      this.log.warn(`client certificate ${serial} refused: ${refusal}${userId ? ` (user ${userId})` : ''} from ${address}`);
      if (refusal === 'PKI.CERT_MACHINE_BOUND_TO_OTHER_USER' || refusal === 'PKI.CERT_USER_MISMATCH') {
        await this.auditRefusal(facts!, serial, userId, refusal, address);
      }
      throw refuse(refusal);
    }
  }

  /** What the database (and, for directory binding, the directory) says about a serial; positive results cached. */
  private async factsOf(serial: string): Promise<CachedFacts['facts'] | null> {
    const now = Date.now();
    const hit = this.facts.get(serial);
    if (hit && hit.until > now) return hit.facts;
    const em = this.orm.em.fork() as EntityManager;
    const [row] = await runSql<{
      serial: string;
      user_id: string;
      organization_id: string;
      binding_kind: 'machine' | 'directory';
      directory_account: string | null;
      status: CertificateFacts['status'];
      not_after: Date;
      fingerprint_sha256: string;
      user_active: boolean;
      bindings: string[];
    }>(
      em,
      `select c.serial, c.user_id, c.organization_id, c.binding_kind, c.directory_account, c.status, c.not_after, c.fingerprint_sha256,
              u.active as user_active, o.client_cert_bindings as bindings
         from security.client_certificate c
         join security."user" u on u.id = c.user_id
         join security.organization o on o.id = c.organization_id
        where c.serial = ?`,
      [serial],
    );
    if (!row) return null;
    let directoryState: CertificateFacts['directoryState'] = null;
    if (row.binding_kind === 'directory' && row.status === 'active') {
      const link = await this.directory.linkOf(row.user_id);
      directoryState = link ? await this.directory.refresh(link, 'request') : 'missing';
      if (directoryState !== 'enabled') row.status = 'on-hold';
    }
    const facts = {
      serial,
      userId: row.user_id,
      organizationId: row.organization_id,
      bindingKind: row.binding_kind,
      status: row.status,
      notAfter: new Date(row.not_after),
      userActive: row.user_active,
      allowedBindings: row.bindings,
      directoryState,
      fingerprint: row.fingerprint_sha256,
      directoryAccount: row.directory_account,
    };
    if (refusalFor(facts, { userId: null }, new Date()) === null && this.config.PKI_GUARD_CACHE_MS > 0) {
      this.facts.set(serial, { facts, until: now + this.config.PKI_GUARD_CACHE_MS });
    }
    return facts;
  }

  async policy(organizationId: string): Promise<Policy> {
    const now = Date.now();
    const hit = this.policies.get(organizationId);
    if (hit && hit.until > now) return hit.policy;
    const [row] = await runSql<{ required: boolean; bindings: string[] }>(
      this.orm.em.fork() as EntityManager,
      `select client_cert_required as required, client_cert_bindings as bindings from security.organization where id = ?`,
      [organizationId],
    );
    const policy = { required: !!row?.required, bindings: row?.bindings ?? [] };
    this.policies.set(organizationId, { policy, until: now + Math.max(this.config.PKI_GUARD_CACHE_MS, 1) });
    return policy;
  }

  /** One audit entry per (session, certificate): who worked with which certificate, without an entry per request. */
  private async auditFirstUse(p: Principal, serial: string, address: string): Promise<void> {
    const key = this.keys.key('security', 'pki', 'used', p.sessionId!, serial);
    const first = await this.redis.set(key, '1', 'EX', this.config.SESSION_ABSOLUTE_LIFETIME_S, 'NX').catch(() => 'OK');
    if (first !== 'OK') return;
    await (this.orm.em.fork() as EntityManager).transactional((tem) =>
      this.audit.append(tem, {
        actorId: p.subjectId,
        actorKind: 'user',
        organizationId: p.organizationId,
        action: 'pki.certificate-used',
        targetType: 'client-certificate',
        targetId: serial,
        clientAddress: address,
        data: { serial, sessionId: p.sessionId },
      }),
    );
  }

  private async auditRefusal(facts: CertificateFacts, serial: string, userId: string | null, code: string, address: string): Promise<void> {
    await (this.orm.em.fork() as EntityManager)
      .transactional((tem) =>
        this.audit.append(tem, {
          actorId: userId,
          actorKind: userId ? 'user' : 'anonymous',
          organizationId: facts.organizationId,
          action: 'pki.certificate-refused',
          targetType: 'client-certificate',
          targetId: serial,
          clientAddress: address,
          data: { serial, code, owner: facts.userId },
        }),
      )
      .catch((e: Error) => this.log.error(`audit of a refused certificate failed: ${e.message}`));
  }
}
