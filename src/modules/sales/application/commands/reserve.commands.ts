import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, AppConfig } from '../../../../../config/configuration';
import { pickBestAvailable } from '../../domain/best-available';
import { SalesErrors } from '../../domain/sales-errors';
import { EventContext, EventContextResolver } from '../event-context';
import { SalesActor } from '../sales-actor';
import { HoldDraft, HoldResult, ReservationStore } from './reservation.store';

export class ReserveSeatsCommand extends Command<HoldResult> {
  constructor(
    readonly actor: SalesActor,
    readonly eventId: string,
    readonly seatIds: string[],
  ) {
    super();
  }
}

export class ReserveBestAvailableCommand extends Command<HoldResult & { adjacent: boolean }> {
  constructor(
    readonly actor: SalesActor,
    readonly eventId: string,
    readonly categoryId: string,
    readonly quantity: number,
    readonly allowSplit: boolean,
  ) {
    super();
  }
}

export class ReserveQuantityCommand extends Command<HoldResult> {
  constructor(
    readonly actor: SalesActor,
    readonly eventId: string,
    readonly areaId: string,
    readonly quantity: number,
  ) {
    super();
  }
}

/** Channel limits shared by the three reserve handlers. */
@Injectable()
export class HoldPolicy {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  draft(actor: SalesActor): HoldDraft {
    return {
      ttlSeconds: actor.kind === 'customer' ? this.config.SALES_HOLD_TTL_ONLINE_S : this.config.SALES_HOLD_TTL_COUNTER_S,
      createdBy: actor.kind === 'staff' ? actor.principal.subjectId : null,
    };
  }

  checkQuantity(actor: SalesActor, n: number): void {
    const max = actor.kind === 'customer' ? this.config.SALES_MAX_PLACES_ONLINE : this.config.SALES_MAX_PLACES_COUNTER;
    if (!Number.isInteger(n) || n < 1 || n > max) throw SalesErrors.quantityOutOfRange(max);
  }
}

@CommandHandler(ReserveSeatsCommand)
export class ReserveSeatsHandler implements ICommandHandler<ReserveSeatsCommand> {
  constructor(
    private readonly events: EventContextResolver,
    private readonly store: ReservationStore,
    private readonly policy: HoldPolicy,
  ) {}

  async execute(cmd: ReserveSeatsCommand): Promise<HoldResult> {
    this.policy.checkQuantity(cmd.actor, cmd.seatIds.length);
    const ids = cmd.seatIds.map((s) => s.toLowerCase());
    if (new Set(ids).size !== ids.length) throw SalesErrors.duplicateSeats();
    const ctx = await this.events.resolve(cmd.eventId, cmd.actor, { forSale: true });
    const held = ctx.contingentIds.length ? await this.store.takeExact(ctx, { seatIds: ids }, this.policy.draft(cmd.actor)) : null;
    if (held) return held;
    // Failing path: say precisely why (nothing was written).
    const found = ctx.contingentIds.length ? await this.store.diagnoseSeats(ctx, ids) : [];
    const known = new Set(found.map((f) => f.seat_id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw SalesErrors.unknownSeats(unknown);
    if (!ctx.contingentIds.length) throw SalesErrors.seatsNotInContingent(ids);
    const outside = found.filter((f) => !f.in_channel).map((f) => f.seat_id);
    if (outside.length) throw SalesErrors.seatsNotInContingent(outside);
    const taken = found.filter((f) => !f.available).map((f) => f.seat_id);
    throw SalesErrors.seatsTaken(taken.length ? taken : ids);
  }
}

/**
 * Proposes seats with the pure best-available rule, then takes them with one conditional statement. If a competing
 * request took some of them first, it re-reads and tries another block (bounded). Seats another request of this
 * process is trying right now are left out of the proposal, which removes most collisions without any lock.
 */
@CommandHandler(ReserveBestAvailableCommand)
export class ReserveBestAvailableHandler implements ICommandHandler<ReserveBestAvailableCommand> {
  private readonly inFlight = new Map<string, Set<number>>();
  static readonly MAX_ATTEMPTS = 6;

  constructor(
    private readonly events: EventContextResolver,
    private readonly store: ReservationStore,
    private readonly policy: HoldPolicy,
  ) {}

  async execute(cmd: ReserveBestAvailableCommand): Promise<HoldResult & { adjacent: boolean }> {
    this.policy.checkQuantity(cmd.actor, cmd.quantity);
    const ctx = await this.events.resolve(cmd.eventId, cmd.actor, { forSale: true });
    if (!ctx.contingentIds.length) throw SalesErrors.notEnoughAvailable(0);
    const draft = this.policy.draft(cmd.actor);
    const busy = this.busySet(ctx.eventId);
    // One window size for the usual quantities, so that concurrent requests can share one in-flight read.
    let window = Math.max(256, 64 + cmd.quantity * 16);
    for (let attempt = 0; attempt < ReserveBestAvailableHandler.MAX_ATTEMPTS; attempt++) {
      const all = await this.store.freeSeats(ctx, cmd.categoryId, window);
      if (all.length === 0) {
        await this.assertCategory(ctx, cmd.categoryId);
        throw SalesErrors.notEnoughAvailable(0);
      }
      const candidates = busy.size ? all.filter((s) => !busy.has(s.unitNo)) : all;
      const pick = pickBestAvailable(candidates, { quantity: cmd.quantity, allowSplit: false, variant: attempt > 1 ? attempt : 0 });
      const truncated = all.length >= window;
      if (!pick) {
        if (truncated) {
          window *= 8; // the best rows had no block of that size: look further back
          continue;
        }
        if (cmd.allowSplit) {
          const split = pickBestAvailable(candidates, { quantity: cmd.quantity, allowSplit: true, variant: attempt });
          if (split) {
            const held = await this.tryTake(ctx, split.unitNos, draft, busy);
            if (held) return { ...held, adjacent: false };
            continue;
          }
        }
        if (candidates.length < all.length) continue; // others in this process are trying seats: look again
        throw all.length < cmd.quantity ? SalesErrors.notEnoughAvailable(all.length) : SalesErrors.noAdjacentSeats();
      }
      const held = await this.tryTake(ctx, pick.unitNos, draft, busy);
      if (held) return { ...held, adjacent: true };
    }
    throw SalesErrors.contended();
  }

  private async tryTake(ctx: EventContext, unitNos: number[], draft: HoldDraft, busy: Set<number>): Promise<HoldResult | null> {
    for (const u of unitNos) busy.add(u);
    try {
      return await this.store.takeExact(ctx, { unitNos }, draft);
    } finally {
      for (const u of unitNos) busy.delete(u);
    }
  }

  private busySet(eventId: string): Set<number> {
    let s = this.inFlight.get(eventId);
    if (!s) {
      if (this.inFlight.size > 1000) for (const [k, v] of this.inFlight) if (v.size === 0) this.inFlight.delete(k);
      s = new Set();
      this.inFlight.set(eventId, s);
    }
    return s;
  }

  private async assertCategory(ctx: EventContext, categoryId: string): Promise<void> {
    if (!(await this.store.categoryExists(ctx.eventId, categoryId))) throw SalesErrors.unknownCategory();
  }
}

@CommandHandler(ReserveQuantityCommand)
export class ReserveQuantityHandler implements ICommandHandler<ReserveQuantityCommand> {
  private readonly capacity = new Map<string, number>();

  constructor(
    private readonly events: EventContextResolver,
    private readonly store: ReservationStore,
    private readonly policy: HoldPolicy,
  ) {}

  async execute(cmd: ReserveQuantityCommand): Promise<HoldResult> {
    this.policy.checkQuantity(cmd.actor, cmd.quantity);
    const ctx = await this.events.resolve(cmd.eventId, cmd.actor, { forSale: true });
    const key = `${ctx.eventId}|${cmd.areaId}`;
    let maxUnit = this.capacity.get(key);
    if (maxUnit === undefined) {
      const max = await this.store.areaMaxUnit(ctx.eventId, cmd.areaId);
      if (max === null) throw SalesErrors.unknownArea();
      maxUnit = max;
      if (this.capacity.size > 10_000) this.capacity.clear();
      this.capacity.set(key, maxUnit);
    }
    if (!ctx.contingentIds.length) throw SalesErrors.notEnoughAvailable(0);
    // Two tries: SKIP LOCKED may pass over places that a competing, later failing request had locked.
    for (let attempt = 0; attempt < 2; attempt++) {
      const held = await this.store.takeGa(ctx, cmd.areaId, cmd.quantity, maxUnit + 1, this.policy.draft(cmd.actor));
      if (held) return held;
    }
    throw SalesErrors.notEnoughAvailable();
  }
}
