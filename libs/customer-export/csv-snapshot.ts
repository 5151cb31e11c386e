import { Readable } from 'node:stream';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { assertTenantId, discoverTenantGraph, quoteIdent, TenancyConfig, tenantExists, TenantNotFoundError, tenantRowsPredicate, TenantGraph } from '../tenant-data';
import { EnumType, readCatalogColumns, readEnumTypes } from './column-catalog';
import { EXPORT_SESSION_SETTINGS } from './column-encoding';
import { exportTables, ExportTable, ROW_ALIAS } from './export-table';

export const CUSTOMER_EXPORT_APPLICATION_NAME = 'tenantvault-customer-export';

/** One tenant's tables as CSV, all read from one snapshot on one connection. */
export interface CsvSnapshot {
  serverVersion: string;
  /** Graph order: parents before children. */
  tables: ExportTable[];
  /** Enum types the tables use (arrays of enums included). */
  enums: EnumType[];
  /** The table's rows as CSV with a header line. One COPY at a time: read it to its end before the next. */
  copyCsv(table: ExportTable): Readable;
  /** Ends the transaction and the connection, dropping a COPY still running; safe to call twice. */
  close(): Promise<void>;
}

/** The COPY writing `table`'s rows of the tenant, in primary-key order so that a spreadsheet shows them sorted. */
export function copyCsvSql(graph: TenantGraph, table: ExportTable, tenantId: string): string {
  const columns = table.columns.map((c) => c.expression).join(', ');
  const order = table.primaryKey.length > 0 ? ` ORDER BY ${table.primaryKey.map((c) => `${quoteIdent(ROW_ALIAS)}.${quoteIdent(c)}`).join(', ')}` : '';
  const select = `SELECT ${columns} FROM ${table.qualifiedName} AS ${quoteIdent(ROW_ALIAS)} WHERE ${tenantRowsPredicate(graph, table.spec, tenantId, ROW_ALIAS)}${order}`;
  return `COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`;
}

/**
 * Same snapshot semantics as a TENANT backup (openTenantExport): a read-only REPEATABLE READ transaction in which
 * the graph is discovered and every table read, so the files agree with each other. The session settings the
 * column encodings rely on are set for that transaction only.
 */
export async function openCsvSnapshot(connectionString: string, tenancy: TenancyConfig, tenantId: string): Promise<CsvSnapshot> {
  assertTenantId(tenantId);
  const client = new Client({ connectionString, application_name: CUSTOMER_EXPORT_APPLICATION_NAME });
  // A connection lost while idle between two reads must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const [name, value] of Object.entries(EXPORT_SESSION_SETTINGS)) await client.query('SELECT set_config($1, $2, true)', [name, value]);
    const graph = await discoverTenantGraph(client, tenancy);
    if (!(await tenantExists(client, tenancy, tenantId))) throw new TenantNotFoundError(tenantId);
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    const columns = await readCatalogColumns(client, graph.tables);
    const enums = await readEnumTypes(client, columns.flat().flatMap((c) => (c.element ? [c.base, c.element] : [c.base])));
    return new Snapshot(client, graph, tenantId, rows[0].server_version, exportTables(graph.tables, columns), enums);
  } catch (err) {
    await client.end();
    throw err;
  }
}

class Snapshot implements CsvSnapshot {
  private current: Readable | null = null;
  private closed = false;

  constructor(
    private readonly client: Client,
    private readonly graph: TenantGraph,
    private readonly tenantId: string,
    readonly serverVersion: string,
    readonly tables: ExportTable[],
    readonly enums: EnumType[],
  ) {}

  copyCsv(table: ExportTable): Readable {
    if (this.closed) throw new Error('The snapshot is closed');
    if (this.current && !this.current.readableEnded) throw new Error(`The previous table must be read to its end before ${table.qualifiedName}`);
    this.current = this.client.query(copyTo(copyCsvSql(this.graph, table, this.tenantId)));
    return this.current;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const unread = this.current && !this.current.readableEnded ? this.current : null;
    if (unread) {
      // A ROLLBACK would queue behind rows nobody reads. Ending the client with a query in flight drops the socket;
      // the server then aborts the transaction itself.
      unread.on('error', () => undefined);
      unread.destroy();
    } else {
      // A read-only transaction: if ROLLBACK fails the connection is gone, and with it the transaction.
      await this.client.query('ROLLBACK').catch(() => undefined);
    }
    await this.client.end();
  }
}
