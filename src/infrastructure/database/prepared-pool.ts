import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import type { AppConfig } from '../../../config/configuration';

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

  /**
   * A module's hot-path pool: ⌈DATABASE_POOL_MAX / divisor⌉ connections, at least 2 and at most `cap`, statement
   * timeout 30 s plus any further session settings. Opened on first use; close it in `onApplicationShutdown` (after the
   * graceful-shutdown drain — `onModuleDestroy` would come before it and fail requests still being drained).
   */
  static forModule(config: Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_POOL_MAX'>, o: { name: string; divisor: number; cap: number; settings?: string }): PreparedPool {
    return new PreparedPool({
      connectionString: config.DATABASE_URL,
      max: Math.max(2, Math.min(o.cap, Math.ceil(config.DATABASE_POOL_MAX / o.divisor))),
      name: o.name,
      options: ['-c statement_timeout=30000', o.settings].filter(Boolean).join(' '),
    });
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
