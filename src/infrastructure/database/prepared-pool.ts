import { createHash } from 'node:crypto';
import { Pool } from 'pg';

export interface PreparedPoolOptions {
  connectionString: string;
  /** Connections at most. */
  max: number;
  /** Shown in pg_stat_activity; also prefixes the prepared statements' names. */
  name: string;
  /** Session settings (`-c key=value …`), e.g. a statement timeout. */
  options?: string;
}

/**
 * A small connection pool of its own for one module's hot-path statements (holds, scans), beside the ORM's pool:
 * - every statement runs as a NAMED PREPARED statement: PostgreSQL parses and plans it once per connection, and every
 *   parameter is bound, never inlined into the SQL text (the ORM path inlines and escapes each value on the client —
 *   for a batch of 50 scans that is a 10–20 kB JSON literal escaped character by character);
 * - no knex/tarn acquire and release per statement.
 * Same `?` placeholders as runSql (no `??` identifiers, no `\\?`). Statements are single-statement transactions.
 */
export class PreparedPool {
  private readonly pool: Pool;
  private readonly prepared = new Map<string, { name: string; text: string }>();

  constructor(private readonly opts: PreparedPoolOptions) {
    this.pool = new Pool({
      connectionString: opts.connectionString,
      max: opts.max,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      application_name: opts.name,
      options: opts.options,
    });
    this.pool.on('error', () => undefined); // an idle client's connection dropped: the pool replaces it on demand
  }

  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    let stmt = this.prepared.get(sql);
    if (!stmt) {
      let i = 0;
      stmt = { name: `${this.opts.name}_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`, text: sql.replace(/\?/g, () => `$${++i}`) };
      this.prepared.set(sql, stmt);
    }
    return (await this.pool.query<T & object>({ name: stmt.name, text: stmt.text, values: params })).rows;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
