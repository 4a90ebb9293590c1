import { Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import path from 'node:path';
import { AppConfig } from '../../../config/configuration';
import { ALL_ENTITIES } from './entities';
import { ProTicketPostgreSqlDriver } from './iso-timestamp-driver';

const compiled = __filename.endsWith('.js');
const root = path.resolve(__dirname, '..', '..', '..');

/**
 * One database, one schema per module (security, sales, ticketing, escrow, access_control) plus `messaging` for the
 * outbox/inbox. No foreign keys or joins across module schemas. Schema changes only through `migrations/`.
 */
export function mikroOrmOptions(config: Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_POOL_MAX'>): Options<PostgreSqlDriver> {
  return {
    driver: ProTicketPostgreSqlDriver,
    clientUrl: config.DATABASE_URL,
    entities: ALL_ENTITIES,
    pool: { min: 0, max: config.DATABASE_POOL_MAX, idleTimeoutMillis: 30_000, acquireTimeoutMillis: 5_000 },
    driverOptions: { connection: { connectionTimeoutMillis: 3_000, statement_timeout: 30_000, application_name: 'proticket' } },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: false },
    debug: false,
    extensions: [Migrator],
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: path.join(root, 'migrations'),
      glob: compiled ? '!(*.d|*.spec).js' : '!(*.d|*.spec).ts',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
    },
  };
}
