import { compareNames, orderByDependencies } from './dependency-order';
import { ForeignKeySpec, TableSpec, TenantGraph, TenantScope } from './tenant-data.types';

/** A table as read from the catalog, before its relation to tenants is known. */
export type CatalogTable = Omit<TableSpec, 'scope'>;

/**
 * Classifies every table (SPEC §2): the tenants table; tables holding the tenant column; tables without it that
 * reach one of those through foreign keys at any depth; the rest are global. Self-references are not a path to a
 * tenant. Tenant tables come back in dependency order.
 */
export function buildTenantGraph(tables: readonly CatalogTable[], tenantTable: string, tenantIdColumn: string): TenantGraph {
  const scopes = new Map<string, TenantScope>();
  for (const t of tables) {
    if (t.qualifiedName === tenantTable) scopes.set(t.qualifiedName, { kind: 'tenant-row' });
    else if (t.columns.some((c) => c.name === tenantIdColumn)) scopes.set(t.qualifiedName, { kind: 'tenant-column', column: tenantIdColumn });
  }

  // Grow the reachable set until it stops changing, so depth is unbounded.
  const reaching = (t: CatalogTable): ForeignKeySpec[] => t.foreignKeys.filter((fk) => fk.references !== t.qualifiedName && scopes.has(fk.references));
  const viaForeignKey = new Set<CatalogTable>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of tables) {
      if (scopes.has(t.qualifiedName) || reaching(t).length === 0) continue;
      scopes.set(t.qualifiedName, { kind: 'foreign-key', via: [] });
      viaForeignKey.add(t);
      grew = true;
    }
  }
  // Every tenant-reaching key counts, including those to tables classified in a later round.
  for (const t of viaForeignKey) scopes.set(t.qualifiedName, { kind: 'foreign-key', via: reaching(t) });

  const tenantTables = tables.filter((t) => scopes.has(t.qualifiedName)).map((t) => ({ ...t, scope: scopes.get(t.qualifiedName)! }));
  return {
    tables: orderByDependencies(tenantTables),
    globalTables: tables
      .filter((t) => !scopes.has(t.qualifiedName))
      .map((t) => t.qualifiedName)
      .sort(compareNames),
  };
}
