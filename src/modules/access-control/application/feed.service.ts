import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';
import { runSql } from '../../../infrastructure/database/sql';
import { DomainError } from '../../../shared-kernel/domain-error';
import type { FeedItem } from '../domain/scanner-kit';
import { AccessDirectory } from './access-directory';
import { advance, FeedCursor, parseCursor } from './feed-cursor';
import { FeedNotifier } from './feed-notifier';

interface FeedRow {
  xmin: string;
  t: 'adm' | 'rev' | 'sale' | null;
  seq: string;
  xid: string;
  k: string;
  g: string | null;
  at: Date | null;
  d: 'in' | 'out' | null;
  i: number | null;
  c: string | null;
}

export interface FeedPage {
  items: FeedItem[];
  cursor: string;
}

/**
 * The live delta feed of one event: admissions and exits at every gate, revocations, box-office sales. Exact cursor
 * (see feed-cursor.ts); long-poll and Server-Sent Events share `read`.
 */
@Injectable()
export class FeedService {
  readonly pollMs: number;
  readonly maxWaitS: number;

  constructor(
    private readonly dir: AccessDirectory,
    private readonly notifier: FeedNotifier,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.pollMs = config.ACCESS_CONTROL_FEED_POLL_MS;
    this.maxWaitS = config.ACCESS_CONTROL_FEED_WAIT_S;
  }

  cursorOf(text: string | undefined): FeedCursor {
    const c = parseCursor(text ?? '0');
    if (!c) throw new DomainError('ACCESS_CONTROL.BAD_CURSOR', 'the cursor is not one this feed handed out', 'validation');
    return c;
  }

  /** `forDevice`: leave out the device's own admissions (it knows them). */
  async read(eventId: string, cursor: FeedCursor, forDevice: string | null = null): Promise<FeedPage> {
    const from = cursor.xmin.toString();
    const rows = await runSql<FeedRow>(
      this.dir.em(),
      `with x as (select pg_snapshot_xmin(pg_current_snapshot())::text as xmin)
       select x.xmin, f.* from x left join (
         select 'adm' as t, s.seq::text as seq, s.xid::text as xid, s.ticket_id::text as k, s.gate_id::text as g,
                s.recorded_at as at, s.direction as d, null::int as i, null::text as c
           from access_control.scan s
          where s.event_id = ? and s.xid >= ?::xid8 and s.server_verdict in ('admitted', 'exited') and s.device_id is distinct from ?::uuid
         union all
         select 'rev', r.seq::text, r.xid::text, r.ticket_id::text, null, r.revoked_at, null, r.issue, null
           from access_control.revocation r where r.event_id = ? and r.xid >= ?::xid8
         union all
         select 'sale', t.seq::text, t.xid::text, t.ticket_id::text, null, t.sold_at, null, null, coalesce(t.category_id, t.area_id)
           from access_control.ticket t where t.event_id = ? and t.xid >= ?::xid8 and t.channel = 'box-office'
       ) f on true
       order by f.seq nulls first`,
      [eventId, from, forDevice, eventId, from, eventId, from],
    );
    const xmin = rows[0].xmin;
    const { fresh, next } = advance(
      rows.filter((r) => r.t !== null),
      cursor,
      xmin,
    );
    const items: FeedItem[] = fresh.map((r) => {
      if (r.t === 'adm') return r.d === 'out' ? { t: 'adm', k: r.k, g: r.g!, at: new Date(r.at!).toISOString(), d: 'out' } : { t: 'adm', k: r.k, g: r.g!, at: new Date(r.at!).toISOString() };
      if (r.t === 'rev') return { t: 'rev', k: r.k, i: r.i };
      return { t: 'sale', k: r.k, c: r.c };
    });
    return { items, cursor: next };
  }

  /** Until a change of the event in this process, or one poll interval (changes by other instances). */
  waitForNews(eventId: string, signal?: AbortSignal): Promise<void> {
    return this.notifier.wait(eventId, this.pollMs, signal);
  }

  /** Long-poll: returns as soon as there is news, or empty after `waitS` seconds. */
  async poll(eventId: string, cursor: FeedCursor, waitS: number, signal?: AbortSignal, forDevice: string | null = null): Promise<FeedPage> {
    const until = Date.now() + Math.min(Math.max(waitS, 0), this.maxWaitS) * 1000;
    for (;;) {
      const page = await this.read(eventId, cursor, forDevice);
      const left = until - Date.now();
      if (page.items.length || left <= 0 || signal?.aborted) return page;
      cursor = this.cursorOf(page.cursor);
      await this.notifier.wait(eventId, Math.min(left, this.pollMs), signal);
    }
  }
}
