/** Organization kinds and user roles: the identity vocabulary every module speaks. */
export const ORGANIZATION_KINDS = ['platform', 'organizer', 'presale-office'] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

export const ROLES = [
  'platform-admin',
  'organizer-admin',
  'organizer-staff',
  'presale-clerk',
  'box-office-clerk',
  'entry-staff',
  /** Machine clients only (API keys): scanners, integrations, monitoring. */
  'scanner',
  'integration',
  'monitoring',
] as const;
export type Role = (typeof ROLES)[number];

/** Which roles a user of each organization kind may hold. */
export const ROLES_BY_KIND: Record<OrganizationKind, readonly Role[]> = {
  platform: ['platform-admin', 'monitoring', 'integration'],
  organizer: ['organizer-admin', 'organizer-staff', 'box-office-clerk', 'entry-staff', 'scanner', 'integration'],
  'presale-office': ['presale-clerk', 'integration'],
};

/** Who is calling: always taken from the credential, never from the request body. */
export interface Principal {
  kind: 'user' | 'api-key';
  /** The user, or the API key's id for machine clients. */
  subjectId: string;
  organizationId: string;
  organizationKind: OrganizationKind;
  roles: Role[];
  sessionId?: string;
}
