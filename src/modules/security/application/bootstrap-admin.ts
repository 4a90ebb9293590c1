import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { newId } from '../../../shared-kernel/ids';
import { OrganizationEntity, UserEntity } from '../infrastructure/security.entities';
import { AuditLog } from './audit-log';
import { PasswordHasher } from './password-hasher';

/**
 * First start: creates the platform organization and the platform admin named by BOOTSTRAP_ADMIN_EMAIL /
 * BOOTSTRAP_ADMIN_PASSWORD if no platform admin exists. Idempotent and safe with several instances starting at once.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly log = new Logger('BootstrapAdmin');

  constructor(
    private readonly orm: MikroORM,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const email = this.config.BOOTSTRAP_ADMIN_EMAIL?.toLowerCase();
    const password = this.config.BOOTSTRAP_ADMIN_PASSWORD;
    if (!email || !password) return;
    try {
      await this.ensure(email, password);
    } catch (e) {
      this.log.error(`could not create the bootstrap platform admin: ${(e as Error).message}`);
    }
  }

  async ensure(email: string, password: string): Promise<boolean> {
    const em = this.orm.em.fork() as EntityManager;
    const hash = await this.hasher.hash(password);
    return em.transactional(async (tem) => {
      await runSql(tem, 'select pg_advisory_xact_lock(?)', [0xb007]);
      const [exists] = await runSql(tem, `select 1 from security."user" where 'platform-admin' = any(roles) limit 1`);
      if (exists) return false;
      let platform = await tem.findOne(OrganizationEntity, { kind: 'platform' });
      if (!platform) {
        platform = tem.create(OrganizationEntity, { id: newId(), kind: 'platform', name: 'ProTicket Platform', clientCertRequired: false, createdAt: new Date() });
        await tem.persistAndFlush(platform); // before the user: no ORM relation orders these inserts
      }
      const user = tem.create(UserEntity, {
        id: newId(),
        organizationId: platform.id,
        email,
        displayName: 'Platform administrator',
        passwordHash: hash,
        roles: ['platform-admin'],
        active: true,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      tem.persist(user);
      await tem.flush();
      await this.audit.append(tem, {
        actorKind: 'system',
        organizationId: platform.id,
        action: 'user.created',
        targetType: 'user',
        targetId: user.id,
        data: { email, roles: user.roles, via: 'bootstrap configuration' },
      });
      this.log.log(`created platform admin ${email}`);
      return true;
    });
  }
}
