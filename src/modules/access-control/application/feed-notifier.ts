import { Injectable } from '@nestjs/common';

/**
 * Wakes feed readers of an event in this process the moment something they must know was committed here (a scan, a
 * revocation, a box-office sale). Readers also poll the database on a short interval, which covers changes written
 * by other instances.
 */
@Injectable()
export class FeedNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();

  changed(eventId: string): void {
    const set = this.waiters.get(eventId);
    if (!set) return;
    this.waiters.delete(eventId);
    for (const w of set) w();
  }

  /** Resolves on the next change of the event, after `ms`, or when `signal` aborts. */
  wait(eventId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(eventId);
      if (!set) this.waiters.set(eventId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(eventId)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
      set.add(done);
    });
  }
}
