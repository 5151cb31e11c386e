import { Readable } from 'node:stream';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { discoverTenantGraph, tenantExists } from './discover';
import { assertTenantId, quoteIdent } from './sql-quoting';
import { ExportClosedError, ExportStreamNotConsumedError, TenantNotFoundError } from './tenant-data.errors';
import { TableSpec, TenancyConfig, TenantGraph } from './tenant-data.types';
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

/**
 * Opens a read-only REPEATABLE READ transaction on its own connection and discovers the graph in it, so the graph
 * and every table's rows are one snapshot: rows committed meanwhile by others (a parent and its children) are
 * either all in the export or all absent.
 */
export async function openTenantExport(connectionString: string, tenancy: TenancyConfig, tenantId: string): Promise<TenantExport> {
  assertTenantId(tenantId);
  const client = new Client({ connectionString, application_name: 'tenantvault-export' });
  // A connection lost while idle between two reads must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const graph = await discoverTenantGraph(client, tenancy);
    if (!(await tenantExists(client, tenancy, tenantId))) throw new TenantNotFoundError(tenantId);
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return new SnapshotExport(client, rows[0].server_version, graph, tenantId);
  } catch (err) {
    await client.end();
    throw err;
  }
}

class SnapshotExport implements TenantExport {
  private current: { table: TableSpec; data: Readable } | null = null;
  private closed = false;

  constructor(
    private readonly client: Client,
    readonly serverVersion: string,
    readonly graph: TenantGraph,
    private readonly tenantId: string,
  ) {}

  async *tables(): AsyncGenerator<TenantTableData> {
    for (const table of this.graph.tables) {
      this.assertIdle();
      const columns = columnsForCopy(table);
      const select = `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${table.qualifiedName} AS "t" WHERE ${tenantRowsPredicate(this.graph, table, this.tenantId, 't')}`;
      const data = this.client.query(copyTo(`COPY (${select}) TO STDOUT`));
      this.current = { table, data };
      yield { table, columns, data };
    }
    this.assertIdle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const unread = this.current && !this.current.data.readableEnded ? this.current.data : null;
    if (unread) {
      // Rows nobody reads hold the connection, and a ROLLBACK would queue behind them forever. Ending a client with
      // a query in flight drops the socket; the server then aborts the transaction itself.
      unread.on('error', () => undefined);
      unread.destroy();
    } else {
      // A read-only transaction: if ROLLBACK fails the connection is gone, and with it the transaction.
      await this.client.query('ROLLBACK').catch(() => undefined);
    }
    await this.client.end();
  }

  private assertIdle(): void {
    if (this.closed) throw new ExportClosedError();
    const current = this.current;
    if (!current || current.data.readableEnded) return;
    throw current.data.errored ?? new ExportStreamNotConsumedError(current.table.qualifiedName);
  }
}
