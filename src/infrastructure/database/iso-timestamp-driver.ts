import type { Configuration } from '@mikro-orm/core';
import { PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { TypeOverrides } from 'pg';

const PG_TIMESTAMPTZ = 1184;
const PG_TEXT_TIMESTAMPTZ = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::?(\d{2}))?(?::\d{2})?$/;

/**
 * PostgreSQL's text form of a timestamptz (`2027-01-03 16:40:29.356+00`) as ISO 8601 in UTC
 * (`2027-01-03T16:40:29.356Z`), the form the API promises. Anything else (infinity, BC dates) is returned as it is.
 */
export function pgTimestamptzToIso(text: string): string {
  const m = PG_TEXT_TIMESTAMPTZ.exec(text);
  if (!m) return text;
  const d = new Date(`${m[1]}T${m[2]}${m[3]}:${m[4] ?? '00'}`);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

/** MikroORM's connection, with timestamptz values read as ISO 8601 strings (MikroORM keeps them as strings). */
class IsoTimestampConnection extends PostgreSqlConnection {
  override getConnectionOptions() {
    const options = super.getConnectionOptions();
    (options.types as TypeOverrides).setTypeParser(PG_TIMESTAMPTZ, pgTimestamptzToIso);
    return options;
  }
}

/**
 * The PostgreSQL driver ProTicket uses: MikroORM's, except that raw SQL results (runSql, the read models that go
 * straight into API responses) carry times in ISO 8601 instead of PostgreSQL's text form. Entities hydrate from the
 * same strings as before (a Date either way).
 */
export class ProTicketPostgreSqlDriver extends PostgreSqlDriver {
  constructor(config: Configuration) {
    super(config);
    const self = this as unknown as { connection: PostgreSqlConnection; replicas: PostgreSqlConnection[] };
    self.connection = new IsoTimestampConnection(this.config);
    self.replicas = this.createReplicas((conf) => new IsoTimestampConnection(this.config, conf, 'read')) as PostgreSqlConnection[];
  }
}
