import { Readable } from 'node:stream';
import { Client, ClientBase, Pool, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { discoverTenantGraph } from './discover';
import { assertTenantId, quoteIdent } from './sql-quoting';
import { ExportClosedError, ExportStreamNotConsumedError, TenantNotFoundError } from './tenant-data.errors';
import { TableSpec, TenancyConfig, TenantGraph } from './tenant-data.types';
import { TenantGraphCache } from './tenant-graph-cache';
import { tenantRowsPredicate } from './tenant-scope-sql';

export interface TenantTableData {
  table: TableSpec;
  /** Column names of `data`, in order (see columnsForCopy). */
  columns: string[];
  /** The rows in COPY text format, one line per row. */
  data: Readable;
}

export interface TenantExport {
  /** `SHOW server_version` of the source. */
  serverVersion: string;
  /** Discovered inside the export's snapshot. */
  graph: TenantGraph;
  /**
   * The tenant's rows, one table at a time in graph order, all read from one consistent snapshot. The connection
   * carries one COPY at a time: read each `data` to its end before asking for the next table, or the next step
   * throws ExportStreamNotConsumedError.
   */
  tables(): AsyncIterable<TenantTableData>;
  /** Ends the snapshot transaction and the connection; safe to call twice. */
  close(): Promise<void>;
}

/** Columns a COPY reads or writes, in table order: stored generated columns are recomputed by PostgreSQL, never copied. */
export function columnsForCopy(table: TableSpec): string[] {
  return table.columns.filter((c) => !c.generated).map((c) => c.name);
}

/** The SELECT whose rows a backup holds for `table`: the COPY columns of the tenant's rows, the table aliased "t". */
export function tenantTableSelect(graph: TenantGraph, table: TableSpec, tenantId: string): string {
  return `SELECT ${columnsForCopy(table).map(quoteIdent).join(', ')} FROM ${table.qualifiedName} AS "t" WHERE ${tenantRowsPredicate(graph, table, tenantId, 't')}`;
}

/**
 * How an export session starts: a read-only snapshot, and no JIT. JIT compiles a plan whose cost estimate is high,
 * which a scan of a large table always has, even when it returns a small tenant's few rows: half a second per query.
 */
export const EXPORT_SNAPSHOT_SQL = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL jit = off';

export interface TenantExportOptions {
  /** Reuses the graph of an earlier export while the schema is unchanged (one catalog query instead of a discovery). */
  graphs?: TenantGraphCache;
}

/**
 * Opens a read-only REPEATABLE READ transaction and discovers the graph in it, so the graph and every table's rows are
 * one snapshot: rows committed meanwhile by others (a parent and its children) are either all in the export or all
 * absent. `source` is a connection string (a connection of its own, ended by close()) or a pool whose connection
 * close() gives back, or discards when a COPY was left unread.
 */
export async function openTenantExport(source: string | Pool, tenancy: TenancyConfig, tenantId: string, options: TenantExportOptions = {}): Promise<TenantExport> {
  assertTenantId(tenantId);
  const connection = await connect(source);
  try {
    await connection.client.query(EXPORT_SNAPSHOT_SQL);
    const graph = await (options.graphs ? options.graphs.discover(connection.client, tenancy) : discoverTenantGraph(connection.client, tenancy));
    const tenants = graph.tables.find((t) => t.scope.kind === 'tenant-row')!;
    const { rows } = await connection.client.query<{ exists: boolean; server_version: string }>(
      `SELECT EXISTS (SELECT 1 FROM ${tenants.qualifiedName} WHERE id = $1) AS exists, current_setting('server_version') AS server_version`,
      [tenantId],
    );
    if (!rows[0].exists) throw new TenantNotFoundError(tenantId);
    return new SnapshotExport(connection, rows[0].server_version, graph, tenantId);
  } catch (err) {
    await connection.end(true);
    throw err;
  }
}

/** A connection and how to let go of it: `broken` when it may still be inside the transaction or a COPY. */
interface ExportConnection {
  client: ClientBase;
  end(broken: boolean): Promise<void>;
}

async function connect(source: string | Pool): Promise<ExportConnection> {
  if (typeof source !== 'string') {
    const client: PoolClient = await source.connect();
    return { client, end: async (broken) => client.release(broken) };
  }
  const client = new Client({ connectionString: source, application_name: 'tenantvault-export' });
  // A connection lost while idle between two reads must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  await client.connect();
  return { client, end: () => client.end() };
}

class SnapshotExport implements TenantExport {
  private current: { table: TableSpec; data: Readable } | null = null;
  private closed = false;

  constructor(
    private readonly connection: ExportConnection,
    readonly serverVersion: string,
    readonly graph: TenantGraph,
    private readonly tenantId: string,
  ) {}

  async *tables(): AsyncGenerator<TenantTableData> {
    for (const table of this.graph.tables) {
      this.assertIdle();
      const data = this.connection.client.query(copyTo(`COPY (${tenantTableSelect(this.graph, table, this.tenantId)}) TO STDOUT`));
      this.current = { table, data };
      yield { table, columns: columnsForCopy(table), data };
    }
    this.assertIdle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const unread = this.current && !this.current.data.readableEnded ? this.current.data : null;
    let broken = true;
    if (unread) {
      // Rows nobody reads hold the connection, and a ROLLBACK would queue behind them forever. Ending (or discarding)
      // a client with a query in flight drops the socket; the server then aborts the transaction itself.
      unread.on('error', () => undefined);
      unread.destroy();
    } else {
      // A read-only transaction: if ROLLBACK fails the connection is gone, and with it the transaction.
      broken = await this.connection.client.query('ROLLBACK').then(() => false, () => true);
    }
    await this.connection.end(broken);
  }

  private assertIdle(): void {
    if (this.closed) throw new ExportClosedError();
    const current = this.current;
    if (!current || current.data.readableEnded) return;
    throw current.data.errored ?? new ExportStreamNotConsumedError(current.table.qualifiedName);
  }
}
