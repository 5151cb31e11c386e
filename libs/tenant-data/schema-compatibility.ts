import type { ManifestTable } from '../archive';
import { quoteQualified } from './sql-quoting';
import { ColumnSpec, TableSpec, TenantGraph } from './tenant-data.types';

/**
 * Why a backup's rows cannot go back into the current schema, one sentence per problem for an operator; empty when
 * they can (SPEC §7). The backup's COPY data names its columns, so columns added since are filled by their default
 * (or NULL) and only a NOT NULL column without a default blocks the restore. Tenant tables created since the backup
 * are no problem: a FULL restore empties them for the tenant (it had no rows there at backup time), MERGE leaves them.
 */
export function checkSchemaCompatibility(manifestTables: ManifestTable[], current: TenantGraph): string[] {
  const tables = new Map(current.tables.map((t) => [t.qualifiedName, t]));
  const globals = new Set(current.globalTables);
  const problems: string[] = [];
  for (const backup of manifestTables) {
    const qualified = quoteQualified(backup.schema, backup.table);
    const table = tables.get(qualified);
    if (table) problems.push(...columnProblems(backup, table));
    else if (globals.has(qualified)) problems.push(`table ${backup.name} no longer belongs to tenants (it is now a global table)`);
    else problems.push(`table ${backup.name} no longer exists`);
  }
  return problems;
}

function columnProblems(backup: ManifestTable, table: TableSpec): string[] {
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  const problems: string[] = [];
  for (const name of backup.copyColumns) {
    const now = columns.get(name);
    const then = backup.columns.find((c) => c.name === name);
    if (!now) problems.push(`column ${backup.name}.${name} no longer exists`);
    else if (now.generated) problems.push(`column ${backup.name}.${name} is now a generated column`);
    else if (then?.type !== now.type) problems.push(`column ${backup.name}.${name} changed type from ${then?.type ?? 'an unrecorded type'} to ${now.type}`);
  }
  const restored = new Set(backup.copyColumns);
  for (const column of table.columns) {
    if (!restored.has(column.name) && !fillsItself(column)) {
      problems.push(`column ${backup.name}.${column.name} was added as NOT NULL without a default, and the backup has no values for it`);
    }
  }
  return problems;
}

/** Whether a column the backup has no values for still gets a valid one on insert. */
function fillsItself(column: ColumnSpec): boolean {
  return column.nullable || column.hasDefault || column.generated || column.identity !== null;
}
