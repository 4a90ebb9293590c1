import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { runSql } from '../../../infrastructure/database/sql';
import { connectionInfo } from '../../../infrastructure/http/business-listener';
import { Authenticated, CurrentPrincipal, Public, Roles } from '../../../infrastructure/http/route-access';
import { DomainError } from '../../../shared-kernel/domain-error';
import type { Principal } from '../../../shared-kernel/roles';
import { ApiKeyService } from '../application/api-key.service';
import { AuditLog } from '../application/audit-log';
import { AuthService } from '../application/auth.service';
import { IdentityService } from '../application/identity.service';
import { CreateApiKeyRequest, CreateOrganizationRequest, CreateUserRequest, ListUsersQuery, LoginRequest, UpdateUserRequest } from './security.dto';

const uuid = new ParseUUIDPipe({ version: '4', exceptionFactory: () => DomainError.notFound('REQUEST.NOT_FOUND', 'object') });
const client = (req: FastifyRequest) => ({ address: req.ip, userAgent: req.headers['user-agent'], connection: connectionInfo(req.raw) });

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ description: 'session token (send as `Authorization: Bearer <token>`)' })
  @ApiTooManyRequestsResponse({ description: 'too many failed logins for this account or address' })
  login(@Body() body: LoginRequest, @Req() req: FastifyRequest) {
    return this.auth.login(body, client(req));
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(204)
  @ApiNoContentResponse()
  async logout(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest): Promise<void> {
    await this.auth.logout(p, req.ip);
  }

  @Get('me')
  @Authenticated()
  me(@CurrentPrincipal() p: Principal) {
    return p;
  }
}

@ApiTags('identity')
@Controller()
export class IdentityController {
  constructor(
    private readonly identity: IdentityService,
    private readonly apiKeys: ApiKeyService,
    private readonly audit: AuditLog,
    private readonly orm: MikroORM,
  ) {}

  @Post('organizations')
  @Roles('platform-admin')
  @ApiCreatedResponse()
  createOrganization(@Body() body: CreateOrganizationRequest, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.identity.registerOrganization({ principal: p, clientAddress: req.ip }, body);
  }

  @Get('organizations')
  @Authenticated()
  listOrganizations(@CurrentPrincipal() p: Principal) {
    return this.identity.listOrganizations(p);
  }

  @Get('organizations/:id')
  @Authenticated()
  getOrganization(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal) {
    return this.identity.getOrganization(p, id);
  }

  @Post('users')
  @Roles('platform-admin', 'organizer-admin')
  @ApiCreatedResponse()
  createUser(@Body() body: CreateUserRequest, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.identity.createUser({ principal: p, clientAddress: req.ip }, body);
  }

  @Get('users')
  @Roles('platform-admin', 'organizer-admin')
  listUsers(@Query() q: ListUsersQuery, @CurrentPrincipal() p: Principal) {
    return this.identity.listUsers(p, q.organizationId);
  }

  @Get('users/:id')
  @Authenticated()
  async getUser(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal) {
    if (p.kind === 'user' && id !== p.subjectId && !p.roles.some((r) => r === 'platform-admin' || r === 'organizer-admin')) {
      throw DomainError.notFound('SECURITY.USER_NOT_FOUND', 'user');
    }
    return this.identity.getUser(p, id);
  }

  @Patch('users/:id')
  @Roles('platform-admin', 'organizer-admin')
  updateUser(@Param('id', uuid) id: string, @Body() body: UpdateUserRequest, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.identity.updateUser({ principal: p, clientAddress: req.ip }, id, body);
  }

  @Post('api-keys')
  @Roles('platform-admin', 'organizer-admin')
  @ApiCreatedResponse({ description: 'the key is shown only in this response' })
  async createApiKey(@Body() body: CreateApiKeyRequest, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const allowed = p.organizationKind === 'platform' ? ['monitoring', 'integration'] : ['scanner', 'integration'];
    const wrong = body.roles.filter((r) => !allowed.includes(r));
    if (wrong.length) throw new DomainError('SECURITY.ROLE_NOT_ALLOWED', `roles not allowed for this organization's API keys: ${wrong.join(', ')}`, 'validation');
    const em = this.orm.em.fork() as EntityManager;
    return em.transactional(async (tem) => {
      const key = await this.apiKeys.create(tem, { organizationId: p.organizationId, name: body.name, roles: body.roles, createdBy: p.subjectId });
      await this.audit.append(tem, this.identity.entry({ principal: p, clientAddress: req.ip }, 'api-key.created', 'api-key', key.id, { name: body.name, roles: body.roles }));
      return { id: key.id, name: body.name, roles: body.roles, key: key.key };
    });
  }

  @Get('api-keys')
  @Roles('platform-admin', 'organizer-admin')
  listApiKeys(@CurrentPrincipal() p: Principal) {
    return runSql(
      this.orm.em.fork() as EntityManager,
      `select id, name, roles, created_by as "createdBy", created_at as "createdAt", revoked_at as "revokedAt", last_used_at as "lastUsedAt"
         from security.api_key where organization_id = ? order by created_at`,
      [p.organizationId],
    );
  }

  @Delete('api-keys/:id')
  @Roles('platform-admin', 'organizer-admin')
  @HttpCode(204)
  async revokeApiKey(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest): Promise<void> {
    const em = this.orm.em.fork() as EntityManager;
    await em.transactional(async (tem) => {
      const rows = await runSql(tem, `update security.api_key set revoked_at = now() where id = ? and organization_id = ? and revoked_at is null returning id`, [
        id,
        p.organizationId,
      ]);
      if (!rows.length) throw DomainError.notFound('SECURITY.API_KEY_NOT_FOUND', 'API key');
      await this.audit.append(tem, this.identity.entry({ principal: p, clientAddress: req.ip }, 'api-key.revoked', 'api-key', id, {}));
    });
  }

  /** Walks the audit hash chain; `ok: false` names the first broken entry. */
  @Get('audit/verify')
  @Roles('platform-admin')
  verifyAudit() {
    return this.audit.verify(this.orm.em.fork() as EntityManager);
  }
}
