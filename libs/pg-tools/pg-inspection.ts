import { Client } from 'pg';
import { describePg, pgClientConfig, PgConnection } from './pg-connection';
import { redactSecrets } from './pg-tools';
import { PostgresToolError } from './pg-tools.errors';

/** Schemas of user objects: everything but the system's own. */
const USER_NAMESPACES = `
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'`;

/** Objects an extension installed (even into template1) do not make a database "not empty". */
const NOT_FROM_EXTENSION = (oid: string) => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = ${oid} AND d.deptype = 'e')`;

export interface SourceInfo {
  database: string;
  serverVersion: string;
  serverVersionNum: number;
  serverMajor: number;
  /** Heap + TOAST bytes of all user tables: the yardstick of a dump's progress. */
  tableBytes: number;
}

export interface TargetInfo {
  database: string;
  serverVersion: string;
  /** Relations, functions, types and schemas (other than `public`) that a restore could collide with. */
  userObjects: number;
}

export async function inspectSource(connection: PgConnection): Promise<SourceInfo> {
  return withClient(connection, 'the platform database', async (client) => {
    const { rows } = await client.query<{ database: string; version: string; num: number; bytes: string }>(
      `WITH ns AS (${USER_NAMESPACES})
       SELECT current_database() AS database, current_setting('server_version') AS version, current_setting('server_version_num')::int AS num,
         (SELECT coalesce(sum(pg_table_size(c.oid)), 0) FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'm'))::text AS bytes`,
    );
    const r = rows[0];
    return { database: r.database, serverVersion: r.version, serverVersionNum: r.num, serverMajor: Math.floor(r.num / 10_000), tableBytes: Number(r.bytes) };
  });
}

export async function inspectTarget(connection: PgConnection): Promise<TargetInfo> {
  return withClient(connection, 'the target database', async (client) => {
    const { rows } = await client.query<{ database: string; version: string; objects: number }>(
      `WITH ns AS (${USER_NAMESPACES})
       SELECT current_database() AS database, current_setting('server_version') AS version, (
         (SELECT count(*) FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c') AND ${NOT_FROM_EXTENSION('c.oid')})
         + (SELECT count(*) FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns) AND ${NOT_FROM_EXTENSION('p.oid')})
         + (SELECT count(*) FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns) AND t.typtype IN ('e', 'd', 'r') AND ${NOT_FROM_EXTENSION('t.oid')})
         + (SELECT count(*) FROM ns WHERE nspname <> 'public' AND ${NOT_FROM_EXTENSION('ns.oid')})
       )::int AS objects`,
    );
    return { database: rows[0].database, serverVersion: rows[0].version, userObjects: rows[0].objects };
  });
}

/** A snapshot of the source held open by its own transaction, and the rows each table held in it. */
export interface CountedSnapshot {
  /** pg_export_snapshot()'s id: give it to pg_dump (`--snapshot`) so the dump sees these very rows. */
  snapshot: string;
  /** Rows per table (`schema.table`, unquoted), every table holding rows in the schema of user objects (partitions, not their parents). */
  rowCounts: Record<string, number>;
  /** Ends the transaction: once pg_dump has finished. */
  close(): Promise<void>;
}

/**
 * Opens a read-only REPEATABLE READ transaction on the source, exports its snapshot and counts every table's rows in it:
 * what a dump taken with that snapshot holds, recorded at backup time so that a test restore can compare.
 */
export async function countRowsInSnapshot(connection: PgConnection): Promise<CountedSnapshot> {
  const client = new Client(pgClientConfig(connection, { connectionTimeoutMillis: 10_000, application_name: 'tenantvault-snapshot' }));
  client.on('error', () => undefined); // a dropped connection surfaces through the next query
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new PostgresToolError('PG.DATABASE_UNREACHABLE', `cannot connect to the platform database at ${describePg(connection)}: ${redactSecrets((err as Error).message, [connection.password])}`);
  }
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
    const { rows: tables } = await client.query<{ schema: string; name: string }>(
      `WITH ns AS (${USER_NAMESPACES})
       SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN ns n ON n.oid = c.relnamespace WHERE c.relkind = 'r' ORDER BY 1, 2`,
    );
    const rowCounts: Record<string, number> = {};
    for (const t of tables) {
      const { rows: counted } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${t.schema.replace(/"/g, '""')}"."${t.name.replace(/"/g, '""')}"`);
      rowCounts[`${t.schema}.${t.name}`] = Number(counted[0].n);
    }
    return {
      snapshot: rows[0].snapshot,
      rowCounts,
      close: async () => {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

async function withClient<T>(connection: PgConnection, what: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(pgClientConfig(connection, { connectionTimeoutMillis: 10_000 }));
  client.on('error', () => undefined); // a dropped connection surfaces through the query
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new PostgresToolError('PG.DATABASE_UNREACHABLE', `cannot connect to ${what} at ${describePg(connection)}: ${redactSecrets((err as Error).message, [connection.password])}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
