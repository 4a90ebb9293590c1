import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/** PostgreSQL's "try again" errors: deadlock detected, serialization failure. */
export function isRetryableTxError(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === '40P01' || code === '40001' || /deadlock detected|could not serialize access/i.test(String((e as Error)?.message ?? ''));
}

/**
 * One command = one transaction, retried when PostgreSQL resolves a deadlock by aborting it. Bookings update shared
 * balance rows (bank, clearing, fees) in an order that depends on the command, so two concurrent commands can
 * deadlock; the loser is rolled back completely and simply runs again. (Event handlers and jobs get the same from
 * BullMQ's retries.)
 */
export async function inLedgerTx<T>(orm: MikroORM, fn: (em: EntityManager) => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await (orm.em.fork() as EntityManager).transactional((em) => fn(em as EntityManager));
    } catch (e) {
      if (i >= attempts || !isRetryableTxError(e)) throw e;
      await new Promise((r) => setTimeout(r, 10 * i + Math.floor(Math.random() * 40)));
    }
  }
}
