import type { EntityManager } from '@mikro-orm/postgresql';

/** A PostgreSQL array literal (`{"a","b"}`) for a JS array; elements quoted and escaped, null → NULL, nested arrays kept. */
export function pgArrayLiteral(values: readonly unknown[]): string {
  const element = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return pgArrayLiteral(v);
    const s = v instanceof Date ? v.toISOString() : String(v);
    return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  };
  return `{${values.map(element).join(',')}}`;
}

/**
 * Runs one SQL statement inside the entity manager's current transaction (if any). `?` placeholders; `??` for
 * identifiers; write `\\?` for a literal question mark (JSON operators). Used by hot paths and queries that read
 * straight into DTOs.
 *
 * A JS array parameter is passed as ONE PostgreSQL array literal, so `= any(?::uuid[])` and `?::text[]` take arrays
 * as they are (MikroORM inlines parameters and would otherwise expand an array into a comma-separated list, which
 * breaks such casts — it made the outbox relay fail to mark events dispatched).
 */
export function runSql<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const bound = params.map((p) => (Array.isArray(p) ? pgArrayLiteral(p) : p));
  return em.getConnection().execute<T[]>(sql, bound as never[], 'all', em.getTransactionContext());
}
