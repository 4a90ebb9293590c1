import { CanActivate, ExecutionContext, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { FastLane } from '../../../infrastructure/http/fast-lane';
import { ROUTE_ACCESS, RouteAccess } from '../../../infrastructure/http/route-access';
import { DomainError } from '../../../shared-kernel/domain-error';
import type { Principal } from '../../../shared-kernel/roles';
import { API_KEY_PREFIX, ApiKeyService } from '../application/api-key.service';
import { SESSION_PREFIX, SessionService } from '../application/session.service';
import { REQUEST_POLICY, RequestPolicy } from '../pki/application/client-cert-enforcer';

/**
 * The global guard. Fail closed: a route without @Public/@Authenticated/@Roles is refused. The principal (and so the
 * tenant) comes only from the credential; handlers scope every query by `principal.organizationId`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly log = new Logger('AuthGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionService,
    private readonly apiKeys: ApiKeyService,
    /** Client-certificate enforcement (business listener, "certificate required" organizations); absent in bare set-ups. */
    @Optional() @Inject(REQUEST_POLICY) private readonly requestPolicy?: RequestPolicy,
    /** The fast lane's public routes get the same checks as a @Public route here (see FastLane). */
    @Optional() fastLane?: FastLane,
  ) {
    fastLane?.usePublicRoutePolicy((req, reply) => this.requestPolicy?.checkAnonymous(req, reply));
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [ctx.getHandler(), ctx.getClass()]);
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    if (!access) {
      this.log.error(`route ${req.method} ${req.routeOptions?.url} declares no access rule: refused`);
      throw new DomainError('SECURITY.ROUTE_UNDECLARED', 'this route declares no access rule', 'forbidden');
    }
    const reply = ctx.switchToHttp().getResponse<{ header(name: string, value: string): unknown }>();
    if (access.kind === 'public') {
      await this.requestPolicy?.checkAnonymous(req, reply);
      return true;
    }

    const principal = await this.authenticate(req);
    if (!principal) {
      throw new DomainError('SECURITY.UNAUTHENTICATED', 'a valid session token or API key is required', 'unauthenticated');
    }
    await this.requestPolicy?.check(req, reply, principal);
    req.principal = principal;
    if (access.kind === 'roles' && !principal.roles.some((r) => access.roles.includes(r))) {
      throw new DomainError('SECURITY.FORBIDDEN', `requires one of the roles: ${access.roles.join(', ')}`, 'forbidden');
    }
    return true;
  }

  private async authenticate(req: FastifyRequest): Promise<Principal | null> {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return null;
    const m = /^Bearer ([\x21-\x7e]{1,200})$/.exec(header);
    if (!m) return null;
    const token = m[1];
    if (token.startsWith(SESSION_PREFIX)) return this.sessions.authenticate(token);
    if (token.startsWith(API_KEY_PREFIX)) return this.apiKeys.authenticate(token);
    return null;
  }
}
