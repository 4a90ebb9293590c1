import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { runSql } from '../../../../../infrastructure/database/sql';
import { JobQueue } from '../../../../../infrastructure/jobs/jobs.module';
import { IntegrationEventConsumer, OnIntegrationEvent } from '../../../../../infrastructure/messaging/integration-event-handler.decorator';
import { AuditLog } from '../../../application/audit-log';
import { SECURITY_EVENTS, UserDeactivated } from '../../../contracts';

/**
 * A deactivated user's client certificates are revoked for good (reason affiliationChanged) — the sessions were
 * already revoked in the deactivation's own transaction, and the per-request check refuses inactive users, so this is
 * about the CRL: the certificates must not work again if the account is re-activated. Inbox-deduplicated; idempotent.
 */
@Injectable()
@OnIntegrationEvent(SECURITY_EVENTS.UserDeactivated, 'security.pki-revoke-on-deactivation')
export class RevokeCertificatesOnUserDeactivated implements IntegrationEventConsumer<UserDeactivated> {
  private readonly log = new Logger('PkiUserDeactivated');

  constructor(
    private readonly audit: AuditLog,
    private readonly jobs: JobQueue,
  ) {}

  async handle(event: UserDeactivated, em: EntityManager): Promise<void> {
    const revoked = await runSql<{ serial: string }>(
      em,
      `update security.client_certificate set status = 'revoked', revoked_at = coalesce(revoked_at, now()), revocation_reason = 'affiliationChanged'
        where user_id = ? and status <> 'revoked' returning serial`,
      [event.payload.userId],
    );
    if (!revoked.length) return;
    await this.audit.append(em, {
      actorKind: 'system',
      organizationId: event.payload.organizationId,
      action: 'pki.certificate-revoked',
      targetType: 'user',
      targetId: event.payload.userId,
      data: { serials: revoked.map((r) => r.serial), reason: 'affiliationChanged', cause: event.payload.reason, eventId: event.id },
    });
    // The job must see the committed revocation: a short delay (the hourly schedule is the backstop).
    await this.jobs
      .add('security.pki.publish-crl', { reason: 'user-deactivated' }, { delay: 2000 })
      .catch((e: Error) => this.log.error(`CRL job not queued (the schedule will catch up): ${e.message}`));
  }
}
