import { quoteIdent } from './sql-quoting';
import { TableSpec, TenantGraph } from './tenant-data.types';
import { isIndexed } from './tenant-graph';

/** An index tenant scoping needs and the table lacks (docs/TENANT-SCOPE.md). */
export interface ScopeIndexRecommendation {
  /** `"schema"."table"`. */
  table: string;
  columns: string[];
  /** The tenant column, or the foreign key whose rows are looked up by these columns. */
  reason: string;
  /** What to run; CONCURRENTLY, so the platform keeps writing meanwhile. */
  sql: string;
}

/**
 * The indexes without which exporting (or restoring) one tenant reads a whole table: on each table's tenant column,
 * and on the columns of each foreign key its scope follows. Without one, every tenant's backup of that table costs as
 * much as the largest tenant's.
 */
export function scopeIndexRecommendations(graph: TenantGraph): ScopeIndexRecommendation[] {
  const recommendations: ScopeIndexRecommendation[] = [];
  const need = (table: TableSpec, columns: string[], reason: string) => {
    if (isIndexed(table, columns)) return;
    recommendations.push({ table: table.qualifiedName, columns, reason, sql: `CREATE INDEX CONCURRENTLY ON ${table.qualifiedName} (${columns.map(quoteIdent).join(', ')});` });
  };
  for (const table of graph.tables) {
    const scope = table.scope;
    if (scope.kind === 'tenant-row') need(table, ['id'], 'the tenants table is read by id');
    else if (scope.kind === 'tenant-column') need(table, [scope.column], `its rows are found by ${quoteIdent(scope.column)}`);
    else for (const fk of scope.owner ? [scope.owner] : scope.via) need(table, fk.columns, `its rows are found through foreign key ${quoteIdent(fk.name)} to ${fk.references}`);
  }
  return recommendations;
}
