import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { newId, randomToken } from '../../../shared-kernel/ids';
import type { OrganizationKind, Principal, Role } from '../../../shared-kernel/roles';
import { sha256 } from './credential-hash';

export const SESSION_PREFIX = 'pts_';

interface SessionRow {
  id: string;
  user_id: string;
  organization_id: string;
  organization_kind: OrganizationKind;
  roles: Role[];
  active: boolean;
  last_seen_at: Date;
  expires_at: Date;
}

/**
 * Opaque session tokens (256 random bits), stored only as SHA-256. A session ends at the first of: logout,
 * SESSION_IDLE_TIMEOUT_S without a request, SESSION_ABSOLUTE_LIFETIME_S after login, or the user's deactivation.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(em: EntityManager, user: { id: string; organizationId: string }, client: { address?: string; userAgent?: string }) {
    const token = SESSION_PREFIX + randomToken(32);
    const id = newId();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.config.SESSION_ABSOLUTE_LIFETIME_S * 1000);
    await runSql(
      em,
      `insert into security.session (id, token_hash, user_id, organization_id, client_address, user_agent, created_at, last_seen_at, expires_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, sha256(token), user.id, user.organizationId, client.address ?? null, client.userAgent?.slice(0, 300) ?? null, now, now, expiresAt],
    );
    return { id, token, expiresAt, idleTimeoutSeconds: this.config.SESSION_IDLE_TIMEOUT_S };
  }

  /** Resolves a bearer token to a principal, or null if unknown, revoked, idle too long, expired or the user is inactive. */
  async authenticate(token: string): Promise<Principal | null> {
    const em = this.orm.em.fork() as EntityManager;
    const [row] = await runSql<SessionRow>(
      em,
      `select s.id, s.user_id, s.organization_id, o.kind as organization_kind, u.roles, u.active, s.last_seen_at, s.expires_at
         from security.session s
         join security."user" u on u.id = s.user_id
         join security.organization o on o.id = s.organization_id
        where s.token_hash = ? and s.revoked_at is null`,
      [sha256(token)],
    );
    if (!row || !row.active) return null;
    const now = Date.now();
    const lastSeen = new Date(row.last_seen_at).getTime();
    if (now >= new Date(row.expires_at).getTime() || now - lastSeen > this.config.SESSION_IDLE_TIMEOUT_S * 1000) return null;
    // Sliding idle timeout, written at most every 30 s per session to keep reads cheap.
    if (now - lastSeen > 30_000) {
      await runSql(em, `update security.session set last_seen_at = now() where id = ?`, [row.id]);
    }
    return {
      kind: 'user',
      subjectId: row.user_id,
      organizationId: row.organization_id,
      organizationKind: row.organization_kind,
      roles: row.roles,
      sessionId: row.id,
    };
  }

  async revoke(em: EntityManager, sessionId: string, reason: string): Promise<void> {
    await runSql(em, `update security.session set revoked_at = now(), revoked_reason = ? where id = ? and revoked_at is null`, [reason, sessionId]);
  }

  async revokeAllForUser(em: EntityManager, userId: string, reason: string): Promise<number> {
    const rows = await runSql(
      em,
      `update security.session set revoked_at = now(), revoked_reason = ? where user_id = ? and revoked_at is null returning id`,
      [reason, userId],
    );
    return rows.length;
  }
}
