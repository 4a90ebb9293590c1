import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { runSql } from '../../../../infrastructure/database/sql';
import { integrationEvent, Outbox } from '../../../../infrastructure/messaging/outbox';
import { SalesErrors } from '../../domain/sales-errors';
import { SALES_EVENTS, SeatsReleased } from '../../contracts';
import { HoldAccess, lockHold } from './hold-access';

export class ReleaseHoldCommand extends Command<{ holdId: string; released: number }> {
  constructor(
    readonly holdId: string,
    readonly access: HoldAccess,
  ) {
    super();
  }
}

export class ExtendHoldCommand extends Command<{ holdId: string; expiresAt: string; extensions: number }> {
  constructor(
    readonly holdId: string,
    readonly access: HoldAccess,
  ) {
    super();
  }
}

/** Frees the places still held by the given holds and announces them (one SeatsReleased per event). */
export async function freeHeldPlaces(
  em: EntityManager,
  outbox: Outbox,
  holdIds: string[],
  reason: SeatsReleased['payload']['reason'],
): Promise<number> {
  if (holdIds.length === 0) return 0;
  const rows = await runSql<{ event_id: string; organizer_id: string; seat_id: string | null; area_id: string | null }>(
    em,
    `with f as (update sales.stock_unit set status = 'free', hold_id = null, hold_expires_at = null
                 where hold_id = any(?::uuid[]) and status = 'held' returning event_id, seat_id, area_id)
     select f.*, e.organizer_id from f join sales.event e on e.id = f.event_id`,
    [`{${holdIds.join(',')}}`],
  );
  await outbox.append(em, ...releasedEvents(rows, reason));
  return rows.length;
}

export function releasedEvents(
  rows: { event_id: string; organizer_id: string; seat_id: string | null; area_id: string | null }[],
  reason: SeatsReleased['payload']['reason'],
): SeatsReleased[] {
  const byEvent = new Map<string, { organizerId: string; seatIds: string[]; ga: Map<string, number> }>();
  for (const r of rows) {
    let e = byEvent.get(r.event_id);
    if (!e) byEvent.set(r.event_id, (e = { organizerId: r.organizer_id, seatIds: [], ga: new Map() }));
    if (r.seat_id) e.seatIds.push(r.seat_id);
    if (r.area_id) e.ga.set(r.area_id, (e.ga.get(r.area_id) ?? 0) + 1);
  }
  return [...byEvent.entries()].map(([eventId, e]) =>
    integrationEvent(
      SALES_EVENTS.SeatsReleased,
      { eventId, seatIds: e.seatIds, ga: [...e.ga.entries()].map(([areaId, quantity]) => ({ areaId, quantity })), reason },
      e.organizerId,
    ),
  );
}

@CommandHandler(ReleaseHoldCommand)
export class ReleaseHoldHandler implements ICommandHandler<ReleaseHoldCommand> {
  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
  ) {}

  execute(cmd: ReleaseHoldCommand) {
    return (this.orm.em.fork() as EntityManager).transactional(async (em) => {
      const h = await lockHold(em, cmd.holdId, cmd.access);
      if (h.status !== 'active') throw SalesErrors.holdNotActive(h.status);
      const expired = h.expired_now;
      await runSql(em, `update sales.hold set status = ?, closed_at = now() where id = ?`, [expired ? 'expired' : 'released', h.id]);
      const released = await freeHeldPlaces(em, this.outbox, [h.id], expired ? 'hold-expired' : 'hold-released');
      return { holdId: h.id, released };
    });
  }
}

/** Extends a live hold by its channel's TTL, bounded by SALES_HOLD_MAX_LIFETIME_S and SALES_HOLD_MAX_EXTENSIONS. */
@CommandHandler(ExtendHoldCommand)
export class ExtendHoldHandler implements ICommandHandler<ExtendHoldCommand> {
  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute(cmd: ExtendHoldCommand) {
    return (this.orm.em.fork() as EntityManager).transactional(async (em) => {
      const h = await lockHold(em, cmd.holdId, cmd.access);
      if (h.status !== 'active') throw SalesErrors.holdNotActive(h.status);
      if (h.expired_now) throw SalesErrors.holdExpired();
      if (h.extensions >= this.config.SALES_HOLD_MAX_EXTENSIONS) throw SalesErrors.holdExtensionRefused();
      const ttl = h.channel === 'online' ? this.config.SALES_HOLD_TTL_ONLINE_S : this.config.SALES_HOLD_TTL_COUNTER_S;
      const [r] = await runSql<{ expires_at: Date; extensions: number }>(
        em,
        `update sales.hold set extensions = extensions + 1,
                expires_at = least(created_at + make_interval(secs => ?), now() + make_interval(secs => ?))
          where id = ? and least(created_at + make_interval(secs => ?), now() + make_interval(secs => ?)) > expires_at
          returning expires_at, extensions`,
        [this.config.SALES_HOLD_MAX_LIFETIME_S, ttl, h.id, this.config.SALES_HOLD_MAX_LIFETIME_S, ttl],
      );
      if (!r) throw SalesErrors.holdExtensionRefused();
      // The hold is live, so none of its places can have been taken over: all of them move with it.
      await runSql(em, `update sales.stock_unit set hold_expires_at = ? where hold_id = ? and status = 'held'`, [r.expires_at, h.id]);
      return { holdId: h.id, expiresAt: new Date(r.expires_at).toISOString(), extensions: r.extensions };
    });
  }
}
