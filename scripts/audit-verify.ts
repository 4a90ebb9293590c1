import 'reflect-metadata';
import 'dotenv/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../config/configuration';
import { mikroOrmOptions } from '../src/infrastructure/database/mikro-orm.config';
import { AuditLog } from '../src/modules/security/application/audit-log';

/** `npm run audit:verify`: walks the audit hash chain; exit 0 if intact, 1 naming the first broken entry. */
async function main(): Promise<number> {
  const config = loadConfig();
  const orm = await MikroORM.init(mikroOrmOptions({ ...config, DATABASE_POOL_MAX: 1 }));
  try {
    const r = await new AuditLog().verify(orm.em.fork());
    if (r.ok) {
      console.log(`audit log intact: ${r.entries} entries, head ${r.headHash}`);
      return 0;
    }
    console.error(`AUDIT LOG BROKEN at entry ${r.brokenAt!.seq}: ${r.brokenAt!.reason} (${r.entries} entries verified before it)`);
    return 1;
  } finally {
    await orm.close(true);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`audit verification failed to run: ${(e as Error).message}`);
    process.exit(2);
  },
);
