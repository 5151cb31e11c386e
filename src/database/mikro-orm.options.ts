import { Migrator } from '@mikro-orm/migrations';
import { Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { MIGRATIONS_CONFIG } from './migrations.config';
import { ENTITIES } from './entities';

/** MikroORM options for the catalog database. Schema changes only through migrations (never synchronize). */
export function mikroOrmOptions(databaseUrl: string): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: MIGRATIONS_CONFIG,
    discovery: { requireEntitiesArray: true },
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
    pool: { min: 0, max: 10 },
  };
}
