import type { Principal } from '../../../shared-kernel/roles';
import type { SalesChannelKind } from '../contracts';

/** Who sells: an anonymous online-shop customer (hold token), or staff of an organizer or presale office. */
export type SalesActor = { kind: 'customer' } | { kind: 'staff'; principal: Principal };

export interface SalesChannel {
  channel: SalesChannelKind;
  /** The presale office's organization id (presale-office channel only). */
  officeId: string | null;
}

/** The sales channel follows from the caller, never from the request: organizer staff sell at the box office. */
export function channelOf(actor: SalesActor): SalesChannel {
  if (actor.kind === 'customer') return { channel: 'online', officeId: null };
  if (actor.principal.organizationKind === 'presale-office') return { channel: 'presale-office', officeId: actor.principal.organizationId };
  return { channel: 'box-office', officeId: null };
}

/** Postgres array literals for uuid / int lists (MikroORM inlines parameters and would expand a JS array). */
export const uuidArray = (ids: readonly string[]): string => {
  for (const id of ids) if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error('not a uuid');
  return `{${ids.join(',')}}`;
};
export const intArray = (xs: readonly number[]): string => {
  for (const x of xs) if (!Number.isSafeInteger(x)) throw new Error('not an integer');
  return `{${xs.join(',')}}`;
};
