import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Principal, Role } from '../../shared-kernel/roles';

/**
 * Every route declares who may call it: @Public(), @Authenticated() or @Roles(...). The Security module's global
 * guard refuses a route without a declaration (fail closed), and an e2e test walks all routes.
 */
export const ROUTE_ACCESS = Symbol('ROUTE_ACCESS');
export type RouteAccess = { kind: 'public' } | { kind: 'authenticated' } | { kind: 'roles'; roles: Role[] };

export const Public = () => SetMetadata(ROUTE_ACCESS, { kind: 'public' } satisfies RouteAccess);

export const Authenticated = () =>
  applyDecorators(
    SetMetadata(ROUTE_ACCESS, { kind: 'authenticated' } satisfies RouteAccess),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'no or invalid credential' }),
  );

export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROUTE_ACCESS, { kind: 'roles', roles } satisfies RouteAccess),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'no or invalid credential' }),
    ApiForbiddenResponse({ description: `requires one of: ${roles.join(', ')}` }),
  );

/** The authenticated caller (set by the Security guard). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const req = ctx.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!req.principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return req.principal;
});
