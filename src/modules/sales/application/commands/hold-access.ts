import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../../../../infrastructure/database/sql';
import { SalesErrors } from '../../domain/sales-errors';
import { SalesActor } from '../sales-actor';
import { hashHoldToken } from './reservation.store';

export interface HoldRow {
  id: string;
  event_id: string;
  organizer_id: string;
  channel: 'online' | 'box-office' | 'presale-office';
  office_id: string | null;
  status: 'active' | 'released' | 'expired' | 'ordered';
  quantity: number;
  created_at: Date;
  expires_at: Date;
  extensions: number;
  expired_now: boolean;
}

/** Who may act on a hold: the customer holding its token, or staff of the organizer / presale office that made it. */
export type HoldAccess = { actor: SalesActor; token?: string | null };

/** Loads and locks a hold inside the caller's transaction; anything the caller may not see is a 404. */
export async function lockHold(em: EntityManager, holdId: string, access: HoldAccess): Promise<HoldRow> {
  const [h] = await runSql<HoldRow>(
    em,
    `select id, event_id, organizer_id, channel, office_id, status, quantity, created_at, expires_at, extensions,
            expires_at < now() as expired_now, token_hash
       from sales.hold where id = ? for update`,
    [holdId],
  );
  if (!h) throw SalesErrors.holdNotFound();
  const a = access.actor;
  if (a.kind === 'customer') {
    const given = access.token ? hashHoldToken(access.token) : null;
    const stored = (h as unknown as { token_hash: Buffer }).token_hash;
    if (h.channel !== 'online' || !given || !stored.equals(given)) throw SalesErrors.holdNotFound();
  } else {
    const p = a.principal;
    const mine = p.organizationKind === 'presale-office' ? h.office_id === p.organizationId : h.organizer_id === p.organizationId;
    if (!mine) throw SalesErrors.holdNotFound();
  }
  return h;
}
