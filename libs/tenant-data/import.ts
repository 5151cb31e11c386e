import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, DatabaseError } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ArchiveEntry, ArchiveManifest, ManifestTable } from '../archive';
import { discoverTenantGraph } from './discover';
import { advanceSequences, findDanglingReferences, RestoredRows } from './restore-integrity';
import { checkSchemaCompatibility } from './schema-compatibility';
import { assertTenantId, quoteIdent, quoteQualified } from './sql-quoting';
import {
  ForeignKeyViolationError,
  IncompleteArchiveError,
  RestoreLoadError,
  RestorePrivilegeError,
  SchemaIncompatibleError,
  TenantMismatchError,
} from './tenant-data.errors';
import { TableSpec, TenancyConfig, TenantGraph } from './tenant-data.types';
import { tenantRowsPredicate } from './tenant-scope-sql';

/** FULL: the tenant's rows become exactly the backup's. MERGE: the backup's rows missing now are added, the rest kept. */
export type RestoreMode = 'FULL' | 'MERGE';

export interface ImportProgress {
  tablesDone: number;
  tablesTotal: number;
  /** `schema.table`, as in the manifest. */
  table: string;
  /** Rows written into `table`. */
  rows: number;
}

export interface ImportResult {
  /** Rows written per table, keyed `schema.table` like the manifest: every backup row for FULL, the missing ones for MERGE. */
  rowsRestored: Record<string, number>;
}

export interface ImportOptions {
  mode: RestoreMode;
  /** Called after each table and awaited. */
  onProgress?: (progress: ImportProgress) => void | Promise<void>;
  /** The last step before COMMIT, once the archive's content and the foreign keys checked out; throwing rolls back. */
  beforeCommit?: () => Promise<void>;
}

/** application_name of the import's connection, to find it in pg_stat_activity. */
export const IMPORT_APPLICATION_NAME = 'tenantvault-import';

/**
 * Restores one tenant from readArchive()'s entries, in one transaction on one connection (see IMPORT.md beside this
 * file). Nothing is written before the manifest names this tenant and fits the current schema; COMMIT comes only
 * after the summary entry, which readArchive yields once every table's content matched it. Any failure rolls back,
 * and a process killed mid-way leaves the server to roll back: either way the tenant is as it was.
 */
export async function importTenant(
  connectionString: string,
  tenancy: TenancyConfig,
  tenantId: string,
  entries: AsyncIterable<ArchiveEntry>,
  options: ImportOptions,
): Promise<ImportResult> {
  assertTenantId(tenantId);
  let load: TenantLoad | undefined;
  let verified = false;
  try {
    for await (const entry of entries) {
      // A manifest exactly first, nothing after the summary.
      if ((entry.kind === 'manifest') !== (load === undefined) || verified) {
        throw new IncompleteArchiveError(`Unexpected ${entry.kind} entry: an archive is a manifest, its tables, then a summary`);
      }
      if (entry.kind === 'manifest') {
        load = await TenantLoad.open(connectionString, tenancy, tenantId, entry.manifest, options.mode);
      } else if (entry.kind === 'table') {
        const rows = await load!.table(entry.index, entry.data);
        await options.onProgress?.({ tablesDone: entry.index + 1, tablesTotal: load!.tablesTotal, table: entry.name, rows });
      } else {
        verified = true;
      }
    }
    if (!load || !verified) throw new IncompleteArchiveError('The archive ended before its summary: its content is unverified, nothing was restored');
    await load.commit(options.beforeCommit);
    return { rowsRestored: load.rowsRestored };
  } finally {
    await load?.close();
  }
}

/** The open restore transaction of one tenant, on its own connection. */
class TenantLoad {
  readonly rowsRestored: Record<string, number> = {};
  /** What the foreign-key check has to look at once every table is in. */
  private readonly restored: RestoredRows[] = [];
  private committed = false;

  /** Discovered inside the transaction, by begin(). */
  private graph: TenantGraph;

  private constructor(
    private readonly client: Client,
    private readonly tenantId: string,
    private readonly manifest: ArchiveManifest,
    private readonly mode: RestoreMode,
  ) {}

  /** Checks the manifest against the tenant and the current schema, then opens the transaction (FULL: and empties the tenant). */
  static async open(connectionString: string, tenancy: TenancyConfig, tenantId: string, manifest: ArchiveManifest, mode: RestoreMode): Promise<TenantLoad> {
    if (manifest.tenantId !== tenantId) throw new TenantMismatchError(manifest.tenantId, tenantId);
    const client = new Client({ connectionString, application_name: IMPORT_APPLICATION_NAME });
    // A connection lost between two statements must not crash the process; the next statement reports it.
    client.on('error', () => undefined);
    await client.connect();
    const load = new TenantLoad(client, tenantId, manifest, mode);
    try {
      await load.begin(tenancy);
      return load;
    } catch (err) {
      await load.close();
      throw err;
    }
  }

  private async begin(tenancy: TenancyConfig): Promise<void> {
    // No JIT, as for exports: the FULL delete and the key checks scan large tables by estimate, not by the tenant's rows.
    await this.client.query('BEGIN; SET LOCAL jit = off');
    this.graph = await discoverTenantGraph(this.client, tenancy);
    const problems = checkSchemaCompatibility(this.manifest.tables, this.graph);
    if (problems.length > 0) throw new SchemaIncompatibleError(problems);
    await disableTriggers(this.client);
    if (this.mode === 'FULL') await this.deleteTenantRows();
  }

  get tablesTotal(): number {
    return this.manifest.tables.length;
  }

  /** Loads the table at `index` of the manifest from its COPY text; returns the rows written. */
  async table(index: number, data: Readable): Promise<number> {
    const backup = this.manifest.tables[index];
    const table = this.currentSpec(backup);
    let rows: number;
    try {
      rows = this.mode === 'FULL' ? await this.copyInto(table.qualifiedName, backup.copyColumns, data) : await this.merge(table, backup, index, data);
    } catch (err) {
      throw err instanceof DatabaseError ? new RestoreLoadError(backup.name, err) : err;
    }
    this.rowsRestored[backup.name] = rows;
    if (rows > 0 && this.mode === 'FULL') {
      // After the delete, the tenant's rows in this table are exactly the ones just copied.
      this.restored.push({ table, relation: table.qualifiedName, where: tenantRowsPredicate(this.graph, table, this.tenantId, 't') });
    }
    return rows;
  }

  /** Foreign keys of everything written, then sequences, then `beforeCommit`, then COMMIT; once every table is in. */
  async commit(beforeCommit?: () => Promise<void>): Promise<void> {
    const violations = await findDanglingReferences(this.client, this.restored);
    if (violations.length > 0) throw new ForeignKeyViolationError(violations);
    for (const backup of this.manifest.tables) {
      if (this.rowsRestored[backup.name] > 0) await advanceSequences(this.client, this.currentSpec(backup));
    }
    await beforeCommit?.();
    await this.client.query('COMMIT');
    this.committed = true;
  }

  /** Rolls back unless committed, and disconnects. */
  async close(): Promise<void> {
    // Fails only when the connection is gone, and the server rolled back with it.
    if (!this.committed) await this.client.query('ROLLBACK').catch(() => undefined);
    await this.client.end();
  }

  /**
   * Every current tenant table, tables created since the backup included, children first: a table reached through
   * foreign keys finds its rows through parents that are still there.
   */
  private async deleteTenantRows(): Promise<void> {
    for (const table of [...this.graph.tables].reverse()) {
      await this.client.query(`DELETE FROM ${table.qualifiedName} AS "t" WHERE ${tenantRowsPredicate(this.graph, table, this.tenantId, 't')}`);
    }
  }

  /**
   * Streams the COPY text into `relation` with the pipe's back-pressure, so memory stays flat. COPY writes the given
   * values into GENERATED ALWAYS identity columns, as INSERT does with OVERRIDING SYSTEM VALUE.
   */
  private async copyInto(relation: string, columns: string[], data: Readable): Promise<number> {
    const copy = this.client.query(copyFrom(`COPY ${relation} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`));
    await pipeline(data, copy);
    return copy.rowCount;
  }

  /**
   * Stages the backup's rows in a temp table, then inserts those that collide with no existing row: ON CONFLICT DO
   * NOTHING skips a row whose primary key or any unique key is taken. A table without a primary key has no
   * identity for its rows, so a row counts as existing when one with the same values (compared as text) is there.
   * The key columns of the rows actually inserted are kept for the foreign-key check.
   */
  private async merge(table: TableSpec, backup: ManifestTable, index: number, data: Readable): Promise<number> {
    const columns = backup.copyColumns.map(quoteIdent);
    const staged = quoteIdent(`tv_restore_${index}`);
    await this.client.query(`CREATE TEMP TABLE ${staged} ON COMMIT DROP AS SELECT ${columns.join(', ')} FROM ${table.qualifiedName} WITH NO DATA`);
    await this.copyInto(staged, backup.copyColumns, data);

    const sameRow = columns.map((c) => `"e".${c}::text IS NOT DISTINCT FROM "s".${c}::text`).join(' AND ');
    const absent = table.primaryKey.length > 0 ? '' : ` WHERE NOT EXISTS (SELECT 1 FROM ${table.qualifiedName} AS "e" WHERE ${sameRow})`;
    const insert = `INSERT INTO ${table.qualifiedName} AS "t" (${columns.join(', ')}) OVERRIDING SYSTEM VALUE
      SELECT ${columns.join(', ')} FROM ${staged} AS "s"${absent} ON CONFLICT DO NOTHING`;

    const keyColumns = [...new Set(table.foreignKeys.flatMap((fk) => fk.columns))].map(quoteIdent);
    let inserted: number | null;
    if (keyColumns.length === 0) {
      inserted = (await this.client.query(insert)).rowCount;
    } else {
      const kept = quoteIdent(`tv_restored_${index}`);
      await this.client.query(`CREATE TEMP TABLE ${kept} ON COMMIT DROP AS SELECT ${keyColumns.join(', ')} FROM ${table.qualifiedName} WITH NO DATA`);
      const returning = keyColumns.map((c) => `"t".${c}`).join(', ');
      inserted = (await this.client.query(`WITH "inserted" AS (${insert} RETURNING ${returning}) INSERT INTO ${kept} SELECT * FROM "inserted"`)).rowCount;
      if (inserted) this.restored.push({ table, relation: kept, where: 'true' });
    }
    await this.client.query(`DROP TABLE ${staged}`);
    return inserted ?? 0;
  }

  /** checkSchemaCompatibility made sure every backed-up table is a current tenant table. */
  private currentSpec(backup: ManifestTable): TableSpec {
    const qualifiedName = quoteQualified(backup.schema, backup.table);
    return this.graph.tables.find((t) => t.qualifiedName === qualifiedName)!;
  }
}

/**
 * Platform triggers (audit rows, updated_at) and the foreign-key triggers stay off for this transaction only: the
 * rows are restored as they were, in any order. TenantLoad.commit() then checks the foreign keys itself.
 */
async function disableTriggers(client: Client): Promise<void> {
  try {
    await client.query('SET LOCAL session_replication_role = replica');
  } catch (err) {
    if (err instanceof DatabaseError && err.code === '42501') throw new RestorePrivilegeError(err);
    throw err;
  }
}
