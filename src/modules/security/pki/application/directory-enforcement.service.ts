import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { runSql } from '../../../../infrastructure/database/sql';
import { JobQueue } from '../../../../infrastructure/jobs/jobs.module';
import { DomainError } from '../../../../shared-kernel/domain-error';
import { AuditLog } from '../../application/audit-log';
import { SessionService } from '../../application/session.service';
import { DIRECTORY, Directory, DirectoryAccountState, DirectoryUnavailableError } from './directory.port';
import { PkiBus } from './pki-bus';

export interface DirectoryLink {
  user_id: string;
  organization_id: string;
  account: string;
  state: 'enabled' | 'disabled' | 'missing';
  checked_at: Date | null;
}

/**
 * Keeps users' directory links in step with the directory. A disabled or deleted account: the user's sessions are
 * revoked, their directory-bound certificates put on hold (CRL reason certificateHold) and an audit entry written —
 * all in one transaction — then every instance drops its cached checks and a new CRL is produced. Re-enabled: the
 * holds are lifted; the user logs in again (the sessions stay revoked).
 * Triggered by the sync job (every DIRECTORY_SYNC_INTERVAL_S), at login, and when a cached guard result expires.
 */
@Injectable()
export class DirectoryEnforcement {
  private readonly log = new Logger('Directory');

  constructor(
    private readonly orm: MikroORM,
    @Inject(DIRECTORY) private readonly directory: Directory,
    private readonly sessions: SessionService,
    private readonly audit: AuditLog,
    private readonly bus: PkiBus,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get configured(): boolean {
    return this.directory.configured;
  }

  async lookupOne(account: string): Promise<DirectoryAccountState> {
    const m = await this.directory.lookup([account]);
    return m.get(account) ?? { exists: false, disabled: true };
  }

  async linkOf(userId: string): Promise<DirectoryLink | null> {
    const [row] = await runSql<DirectoryLink>(this.orm.em.fork() as EntityManager, `select * from security.directory_link where user_id = ?`, [userId]);
    return row ?? null;
  }

  /**
   * Asks the directory now about one user's account and applies the answer. Returns the resulting state. If the
   * directory cannot be reached, a last known state younger than DIRECTORY_MAX_STALENESS_S counts; else 503.
   */
  async refresh(link: DirectoryLink, trigger: string): Promise<DirectoryLink['state']> {
    try {
      const state = await this.lookupOne(link.account);
      return await this.apply(link, state, trigger);
    } catch (e) {
      if (!(e instanceof DirectoryUnavailableError)) throw e;
      const age = link.checked_at ? (Date.now() - new Date(link.checked_at).getTime()) / 1000 : Infinity;
      this.log.warn(`${e.message} (account ${link.account}, last checked ${Math.round(age)} s ago)`);
      if (age <= this.config.DIRECTORY_MAX_STALENESS_S) return link.state;
      throw new DomainError('PKI.DIRECTORY_UNAVAILABLE', 'the directory cannot be reached to confirm the account; retry shortly', 'unavailable');
    }
  }

  /** One sync pass over every directory link. */
  async syncAll(): Promise<{ checked: number; disabled: number; enabled: number }> {
    if (!this.directory.configured) return { checked: 0, disabled: 0, enabled: 0 };
    const em = this.orm.em.fork() as EntityManager;
    const links = await runSql<DirectoryLink>(em, `select * from security.directory_link order by user_id limit 100000`);
    const states = await this.directory.lookup([...new Set(links.map((l) => l.account))]);
    let disabled = 0;
    let enabled = 0;
    for (const link of links) {
      const before = link.state;
      const after = await this.apply(link, states.get(link.account) ?? { exists: false, disabled: true }, 'sync');
      if (before === 'enabled' && after !== 'enabled') disabled++;
      if (before !== 'enabled' && after === 'enabled') enabled++;
    }
    return { checked: links.length, disabled, enabled };
  }

  private async apply(link: DirectoryLink, found: DirectoryAccountState, trigger: string): Promise<DirectoryLink['state']> {
    const next: DirectoryLink['state'] = !found.exists ? 'missing' : found.disabled ? 'disabled' : 'enabled';
    const em = this.orm.em.fork() as EntityManager;
    if (next === link.state) {
      await runSql(em, `update security.directory_link set checked_at = now() where user_id = ?`, [link.user_id]);
      link.checked_at = new Date();
      return next;
    }
    const changed = await em.transactional(async (tem) => {
      // Row lock: concurrent checks (guard on two instances, sync job) apply a change once.
      const [current] = await runSql<DirectoryLink>(tem, `select * from security.directory_link where user_id = ? for update`, [link.user_id]);
      if (!current || current.state === next) return null;
      await runSql(tem, `update security.directory_link set state = ?, checked_at = now(), changed_at = now() where user_id = ?`, [next, link.user_id]);
      if (next === 'enabled') {
        const released = await runSql<{ serial: string }>(
          tem,
          `update security.client_certificate set status = 'active', revoked_at = null, revocation_reason = null, revoked_by = null
            where user_id = ? and binding_kind = 'directory' and status = 'on-hold' returning serial`,
          [link.user_id],
        );
        await this.audit.append(tem, {
          actorKind: 'system',
          organizationId: link.organization_id,
          action: 'directory.account-enabled',
          targetType: 'user',
          targetId: link.user_id,
          data: { account: link.account, trigger, certificatesReleased: released.map((r) => r.serial) },
        });
        return { serials: released.map((r) => r.serial) };
      }
      const sessions = await this.sessions.revokeAllForUser(tem, link.user_id, `directory account ${next}`);
      const held = await runSql<{ serial: string }>(
        tem,
        `update security.client_certificate set status = 'on-hold', revoked_at = now(), revocation_reason = 'certificateHold'
          where user_id = ? and binding_kind = 'directory' and status = 'active' returning serial`,
        [link.user_id],
      );
      await this.audit.append(tem, {
        actorKind: 'system',
        organizationId: link.organization_id,
        action: 'directory.account-disabled',
        targetType: 'user',
        targetId: link.user_id,
        data: { account: link.account, state: next, trigger, sessionsRevoked: sessions, certificatesHeld: held.map((r) => r.serial) },
      });
      return { serials: held.map((r) => r.serial) };
    });
    link.state = next;
    link.checked_at = new Date();
    if (changed) {
      this.log.warn(`directory account ${link.account} of user ${link.user_id} is now ${next} (${trigger}); certificates ${changed.serials.join(', ') || '-'}`);
      await this.bus.publish({ type: 'revoked', serials: changed.serials, userIds: [link.user_id] });
      await this.jobs.add('security.pki.publish-crl', { reason: `directory-${next}` }).catch((e: Error) => this.log.error(`CRL job not queued (the schedule will catch up): ${e.message}`));
    }
    return next;
  }
}
