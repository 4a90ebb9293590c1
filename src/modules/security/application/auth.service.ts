import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConnectionInfo } from '../../../infrastructure/http/business-listener';
import { DomainError } from '../../../shared-kernel/domain-error';
import type { Principal } from '../../../shared-kernel/roles';
import { UserEntity } from '../infrastructure/security.entities';
import { AuditLog } from './audit-log';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { SessionService } from './session.service';
import { LOGIN_POLICY, LoginPolicy } from '../pki/application/client-cert-enforcer';

const INVALID = () => new DomainError('SECURITY.INVALID_CREDENTIALS', 'e-mail or password is wrong', 'unauthenticated');

/** Login and logout. Every attempt, successful or not, is audited. */
@Injectable()
export class AuthService {
  constructor(
    private readonly orm: MikroORM,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionService,
    private readonly audit: AuditLog,
    /** Client-certificate and directory checks at login; absent in bare set-ups. */
    @Optional() @Inject(LOGIN_POLICY) private readonly loginPolicy?: LoginPolicy,
  ) {}

  async login(input: { email: string; password: string }, client: { address: string; userAgent?: string; connection?: ConnectionInfo }) {
    const email = input.email.trim().toLowerCase();
    await this.throttle.assertAllowed(email, client.address);
    const em = this.orm.em.fork() as EntityManager;
    const user = await em.findOne(UserEntity, { email });
    const ok = user ? await this.hasher.verify(user.passwordHash, input.password) : await this.hasher.verifyDummy(input.password);
    if (!user || !ok || !user.active) {
      await this.throttle.recordFailure(email, client.address);
      await em.transactional((tem) =>
        this.audit.append(tem, {
          actorId: user?.id ?? null,
          actorKind: 'anonymous',
          organizationId: user?.organizationId ?? null,
          action: 'auth.login-failed',
          targetType: 'user',
          targetId: user?.id ?? null,
          clientAddress: client.address,
          data: { email, reason: !user ? 'unknown-account' : !ok ? 'wrong-password' : 'inactive' },
        }),
      );
      throw INVALID();
    }
    if (this.loginPolicy) {
      try {
        await this.loginPolicy.checkLogin(user, client);
      } catch (e) {
        await em.transactional((tem) =>
          this.audit.append(tem, {
            actorId: user.id,
            actorKind: 'anonymous',
            organizationId: user.organizationId,
            action: 'auth.login-failed',
            targetType: 'user',
            targetId: user.id,
            clientAddress: client.address,
            data: { email, reason: (e as { code?: string }).code ?? 'login-policy', serial: client.connection?.serial ?? null },
          }),
        );
        throw e;
      }
    }
    await this.throttle.recordSuccess(email, client.address);
    return em.transactional(async (tem) => {
      const session = await this.sessions.create(tem, user, client);
      await this.audit.append(tem, {
        actorId: user.id,
        actorKind: 'user',
        organizationId: user.organizationId,
        action: 'auth.login',
        targetType: 'session',
        targetId: session.id,
        clientAddress: client.address,
        data: client.connection?.serial ? { listener: client.connection.listener, serial: client.connection.serial } : {},
      });
      return {
        token: session.token,
        expiresAt: session.expiresAt.toISOString(),
        idleTimeoutSeconds: session.idleTimeoutSeconds,
        user: { id: user.id, organizationId: user.organizationId, email: user.email, displayName: user.displayName, roles: user.roles },
      };
    });
  }

  async logout(p: Principal, clientAddress: string): Promise<void> {
    if (!p.sessionId) throw new DomainError('SECURITY.NOT_A_SESSION', 'API keys have no session to end; revoke the key instead', 'unprocessable');
    const em = this.orm.em.fork() as EntityManager;
    await em.transactional(async (tem) => {
      await this.sessions.revoke(tem, p.sessionId!, 'logout');
      await this.audit.append(tem, {
        actorId: p.subjectId,
        actorKind: 'user',
        organizationId: p.organizationId,
        action: 'auth.logout',
        targetType: 'session',
        targetId: p.sessionId!,
        clientAddress,
        data: {},
      });
    });
  }
}
