import type { EntityManager } from '@mikro-orm/postgresql';

type Param = string | number | boolean | null;

/**
 * Runs one statement in the entity manager's transaction with real bind parameters ($1…), bypassing MikroORM's
 * client-side literal formatting — which escapes every character of a multi-megabyte JSON batch and dominated the
 * statement import's CPU. For the set-based hot path only (jsonb_to_recordset batches, id arrays). Arrays are passed
 * as PostgreSQL array literals (see `pgArray`), never as JS arrays (knex would expand those into lists).
 */
export async function bulkSql<T = Record<string, unknown>>(em: EntityManager, sql: string, params: Param[]): Promise<T[]> {
  const knex = (em.getTransactionContext() ?? em.getConnection().getKnex()) as unknown as {
    raw(sql: string, bindings: Param[]): Promise<{ rows: T[] }>;
  };
  const res = await knex.raw(sql, params);
  return res.rows;
}

/** A PostgreSQL array literal of simple tokens (uuids, references): `{a,b,c}`. Refuses anything needing quotes. */
export function pgArray(values: string[]): string {
  for (const v of values) if (!/^[0-9A-Za-z_.:-]+$/.test(v)) throw new Error(`pgArray: unsafe element ${JSON.stringify(v)}`);
  return `{${values.join(',')}}`;
}
