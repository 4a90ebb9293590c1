/**
 * The Security module's public face. Other modules may import only from here.
 * Route protection decorators (@Public, @Roles, @Authenticated, @CurrentPrincipal) live in
 * src/infrastructure/http/route-access.ts; the vocabulary (roles, organization kinds, Principal) in the shared kernel.
 */
import type { IntegrationEvent } from '../../../shared-kernel/integration-event';
import type { OrganizationKind } from '../../../shared-kernel/roles';

export type OrganizationRegistered = IntegrationEvent<
  'security.OrganizationRegistered',
  { organizationId: string; kind: OrganizationKind; name: string }
>;

export type UserDeactivated = IntegrationEvent<'security.UserDeactivated', { userId: string; organizationId: string; reason: string }>;

export const SECURITY_EVENTS = {
  OrganizationRegistered: 'security.OrganizationRegistered',
  UserDeactivated: 'security.UserDeactivated',
} as const;
