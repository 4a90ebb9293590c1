import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { integrationEvent, Outbox } from '../../../infrastructure/messaging/outbox';
import { DomainError } from '../../../shared-kernel/domain-error';
import { newId } from '../../../shared-kernel/ids';
import { OrganizationKind, Principal, Role, ROLES_BY_KIND } from '../../../shared-kernel/roles';
import { OrganizationRegistered, SECURITY_EVENTS, UserDeactivated } from '../contracts';
import { OrganizationEntity, UserEntity } from '../infrastructure/security.entities';
import { AuditLog } from './audit-log';
import { passwordProblem, PasswordHasher } from './password-hasher';
import { SessionService } from './session.service';

const isPlatformAdmin = (p: Principal) => p.organizationKind === 'platform' && p.roles.includes('platform-admin');
const isOrgAdmin = (p: Principal) => p.roles.includes('organizer-admin') || isPlatformAdmin(p);

export interface AuditContext {
  principal: Principal | null;
  clientAddress?: string;
}

export type UserView = Pick<UserEntity, 'id' | 'organizationId' | 'email' | 'displayName' | 'roles' | 'active' | 'createdAt'>;
const view = (u: UserEntity): UserView => ({
  id: u.id,
  organizationId: u.organizationId,
  email: u.email,
  displayName: u.displayName,
  roles: u.roles,
  active: u.active,
  createdAt: u.createdAt,
});

/**
 * Organizations and users. Tenant rule: a caller sees and changes only objects of its own organization (platform
 * admins: all); anything else is "not found", never "forbidden", so ids of other tenants leak nothing.
 */
@Injectable()
export class IdentityService {
  constructor(
    private readonly orm: MikroORM,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLog,
    private readonly outbox: Outbox,
    private readonly sessions: SessionService,
  ) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async registerOrganization(ctx: AuditContext, input: { kind: OrganizationKind; name: string }): Promise<OrganizationEntity> {
    return this.em().transactional(async (em) => {
      const org = em.create(OrganizationEntity, { id: newId(), kind: input.kind, name: input.name.trim(), clientCertRequired: false, createdAt: new Date() });
      em.persist(org);
      await em.flush();
      await this.audit.append(em, this.entry(ctx, 'organization.registered', 'organization', org.id, { kind: org.kind, name: org.name }, org.id));
      await this.outbox.append(
        em,
        integrationEvent<OrganizationRegistered['type'], OrganizationRegistered['payload']>(
          SECURITY_EVENTS.OrganizationRegistered,
          { organizationId: org.id, kind: org.kind, name: org.name },
          org.id,
        ),
      );
      return org;
    });
  }

  async listOrganizations(p: Principal): Promise<OrganizationEntity[]> {
    const where = isPlatformAdmin(p) ? {} : { id: p.organizationId };
    return this.em().find(OrganizationEntity, where, { orderBy: { name: 'asc' }, limit: 1000 });
  }

  async getOrganization(p: Principal, id: string): Promise<OrganizationEntity> {
    if (!isPlatformAdmin(p) && id !== p.organizationId) throw DomainError.notFound('SECURITY.ORGANIZATION_NOT_FOUND', 'organization');
    const org = await this.em().findOne(OrganizationEntity, { id });
    if (!org) throw DomainError.notFound('SECURITY.ORGANIZATION_NOT_FOUND', 'organization');
    return org;
  }

  async createUser(
    ctx: AuditContext & { principal: Principal },
    input: { organizationId?: string; email: string; displayName: string; password: string; roles: Role[] },
  ): Promise<UserView> {
    const p = ctx.principal;
    const organizationId = input.organizationId ?? p.organizationId;
    if (!isOrgAdmin(p)) throw new DomainError('SECURITY.FORBIDDEN', 'only administrators create users', 'forbidden');
    const org = await this.getOrganization(p, organizationId); // 404 across tenants
    this.checkRoles(org.kind, input.roles, p);
    const problem = passwordProblem(input.password);
    if (problem) throw new DomainError('SECURITY.WEAK_PASSWORD', `password ${problem}`, 'validation', { errors: [{ field: 'password', message: problem }] });
    const passwordHash = await this.hasher.hash(input.password);
    const email = input.email.trim().toLowerCase();
    return this.em().transactional(async (em) => {
      if (await em.count(UserEntity, { email })) throw new DomainError('SECURITY.EMAIL_TAKEN', 'a user with this e-mail already exists', 'conflict');
      const user = em.create(UserEntity, {
        id: newId(),
        organizationId,
        email,
        displayName: input.displayName.trim(),
        passwordHash,
        roles: [...new Set(input.roles)],
        active: true,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      em.persist(user);
      await em.flush();
      await this.audit.append(em, this.entry(ctx, 'user.created', 'user', user.id, { email, roles: user.roles }, organizationId));
      return view(user);
    });
  }

  async listUsers(p: Principal, organizationId?: string): Promise<UserView[]> {
    const org = organizationId ?? p.organizationId;
    await this.getOrganization(p, org);
    const users = await this.em().find(UserEntity, { organizationId: org }, { orderBy: { email: 'asc' }, limit: 1000 });
    return users.map(view);
  }

  async getUser(p: Principal, id: string): Promise<UserView> {
    return view(await this.findScoped(this.em(), p, id));
  }

  async updateUser(ctx: AuditContext & { principal: Principal }, id: string, change: { roles?: Role[]; active?: boolean; displayName?: string }): Promise<UserView> {
    const p = ctx.principal;
    return this.em().transactional(async (em) => {
      const user = await this.findScoped(em, p, id);
      if (!isOrgAdmin(p)) throw new DomainError('SECURITY.FORBIDDEN', 'only administrators change users', 'forbidden');
      if (user.id === p.subjectId && (change.active === false || (change.roles && !change.roles.some((r) => p.roles.includes(r))))) {
        throw new DomainError('SECURITY.SELF_LOCKOUT', 'you cannot deactivate yourself or remove your own administrator role', 'unprocessable');
      }
      const before = { roles: user.roles, active: user.active };
      if (change.roles) {
        const org = await em.findOneOrFail(OrganizationEntity, { id: user.organizationId });
        this.checkRoles(org.kind, change.roles, p);
        user.roles = [...new Set(change.roles)];
      }
      if (change.displayName !== undefined) user.displayName = change.displayName.trim();
      if (change.active !== undefined) user.active = change.active;
      await em.flush();
      if (change.roles) await this.audit.append(em, this.entry(ctx, 'user.roles-changed', 'user', user.id, { from: before.roles, to: user.roles }, user.organizationId));
      if (change.active !== undefined && change.active !== before.active) {
        await this.audit.append(em, this.entry(ctx, user.active ? 'user.activated' : 'user.deactivated', 'user', user.id, {}, user.organizationId));
        if (!user.active) {
          await this.sessions.revokeAllForUser(em, user.id, 'user deactivated');
          await this.outbox.append(
            em,
            integrationEvent<UserDeactivated['type'], UserDeactivated['payload']>(
              SECURITY_EVENTS.UserDeactivated,
              { userId: user.id, organizationId: user.organizationId, reason: 'deactivated by administrator' },
              user.organizationId,
            ),
          );
        }
      }
      return view(user);
    });
  }

  private async findScoped(em: EntityManager, p: Principal, id: string): Promise<UserEntity> {
    const user = await em.findOne(UserEntity, isPlatformAdmin(p) ? { id } : { id, organizationId: p.organizationId });
    if (!user) throw DomainError.notFound('SECURITY.USER_NOT_FOUND', 'user');
    return user;
  }

  private checkRoles(kind: OrganizationKind, roles: Role[], p: Principal): void {
    const allowed = ROLES_BY_KIND[kind];
    const wrong = roles.filter((r) => !allowed.includes(r) || ['scanner', 'monitoring', 'integration'].includes(r));
    if (roles.length === 0 || wrong.length) {
      throw new DomainError('SECURITY.ROLE_NOT_ALLOWED', `roles not allowed for a user of a ${kind} organization: ${wrong.join(', ') || '(none given)'}`, 'validation', {
        errors: [{ field: 'roles', message: `allowed: ${allowed.filter((r) => !['scanner', 'monitoring', 'integration'].includes(r)).join(', ')}` }],
      });
    }
    if (roles.includes('platform-admin') && !isPlatformAdmin(p)) {
      throw new DomainError('SECURITY.FORBIDDEN', 'only platform administrators grant platform-admin', 'forbidden');
    }
  }

  entry(ctx: AuditContext, action: string, targetType: string, targetId: string, data: Record<string, unknown>, organizationId?: string) {
    return {
      actorId: ctx.principal?.subjectId ?? null,
      actorKind: ctx.principal?.kind ?? ('system' as const),
      organizationId: organizationId ?? ctx.principal?.organizationId ?? null,
      action,
      targetType,
      targetId,
      clientAddress: ctx.clientAddress ?? null,
      data,
    };
  }
}
