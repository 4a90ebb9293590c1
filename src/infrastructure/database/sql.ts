import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs one SQL statement inside the entity manager's current transaction (if any). `?` placeholders; `??` for
 * identifiers; write `\\?` for a literal question mark (JSON operators). Used by hot paths and queries that read
 * straight into DTOs.
 */
export function runSql<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return em.getConnection().execute<T[]>(sql, params as never[], 'all', em.getTransactionContext());
}
