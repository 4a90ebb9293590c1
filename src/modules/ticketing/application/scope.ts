import type { Principal } from '../../../shared-kernel/roles';

/**
 * What a caller may see: organizer admins/staff see all of their organization's stock, runs and tickets; a box-office
 * clerk the organizer's own box office (office id = organizer id); a presale clerk the stock held by its office and
 * the tickets its office sold. Everything outside the scope is a 404.
 */
export interface Scope {
  organizerId: string | null;
  officeId: string | null;
}

export function scopeOf(p: Principal): Scope {
  if (p.organizationKind === 'organizer') {
    const manager = p.roles.includes('organizer-admin') || p.roles.includes('organizer-staff');
    return { organizerId: p.organizationId, officeId: manager ? null : p.organizationId };
  }
  if (p.organizationKind === 'presale-office') return { organizerId: null, officeId: p.organizationId };
  return { organizerId: null, officeId: '00000000-0000-0000-0000-000000000000' }; // platform: sees no tenant data here
}
