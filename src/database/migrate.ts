import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { MIGRATIONS_CONFIG } from './migrations.config';

/** Creates the database named by `url` when it does not exist yet (connecting to the server's `postgres` database). */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`create database ${client.escapeIdentifier(name)}`);
    return true;
  } finally {
    await client.end();
  }
}

/** The explicit migration step `npm start` runs before the service (never onModuleInit: replicas would race). */
export async function migrateCatalog(databaseUrl: string): Promise<string[]> {
  await ensureDatabaseExists(databaseUrl);
  // Several replicas may start at once: a session advisory lock lets one migrate while the others wait.
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query(`select pg_advisory_lock(hashtext('tenantvault:migrations'))`);
    // Migrations are plain SQL: no entity metadata is loaded, so this can run beside an app in one process.
    const orm = await MikroORM.init({ clientUrl: databaseUrl, entities: [], discovery: { warnWhenNoEntities: false }, extensions: [Migrator], migrations: MIGRATIONS_CONFIG, debug: false });
    try {
      const applied = await orm.getMigrator().up();
      return applied.map((m) => m.name);
    } finally {
      await orm.close(true);
    }
  } finally {
    await lock.end();
  }
}
