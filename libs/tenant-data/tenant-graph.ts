import { compareNames, orderByDependencies } from './dependency-order';
import { ForeignKeySpec, TableSpec, TenantGraph, TenantScope } from './tenant-data.types';

/** A table as read from the catalog, before its relation to tenants is known. */
export type CatalogTable = Omit<TableSpec, 'scope'>;

/**
 * Classifies every table (SPEC §2): the tenants table; tables holding the tenant column; tables without it that
 * reach one of those through foreign keys at any depth; the rest are global. Self-references are not a path to a
 * tenant. A table reached through foreign keys records every tenant-reaching key, and its owning key when it has one
 * (ownerOf). Tenant tables come back in dependency order.
 */
export function buildTenantGraph(tables: readonly CatalogTable[], tenantTable: string, tenantIdColumn: string): TenantGraph {
  const scopes = new Map<string, TenantScope>();
  /** Foreign-key steps from a table to the nearest table holding the tenant (0 for those). */
  const distance = new Map<string, number>();
  for (const t of tables) {
    if (t.qualifiedName === tenantTable) scopes.set(t.qualifiedName, { kind: 'tenant-row' });
    else if (t.columns.some((c) => c.name === tenantIdColumn)) scopes.set(t.qualifiedName, { kind: 'tenant-column', column: tenantIdColumn });
    else continue;
    distance.set(t.qualifiedName, 0);
  }

  // One round per step away from the tenant, until no table is added, so depth is unbounded.
  const reaching = (t: CatalogTable): ForeignKeySpec[] => t.foreignKeys.filter((fk) => fk.references !== t.qualifiedName && distance.has(fk.references));
  const viaForeignKey: CatalogTable[] = [];
  for (let round = 1; ; round++) {
    const reached = tables.filter((t) => !distance.has(t.qualifiedName) && reaching(t).length > 0);
    if (reached.length === 0) break;
    for (const t of reached) distance.set(t.qualifiedName, round);
    viaForeignKey.push(...reached);
  }
  // Every tenant-reaching key counts, including those to tables classified in a later round.
  for (const t of viaForeignKey) {
    const via = reaching(t);
    const owner = ownerOf(t, via, distance);
    scopes.set(t.qualifiedName, owner ? { kind: 'foreign-key', via, owner } : { kind: 'foreign-key', via });
  }

  const tenantTables = tables.filter((t) => scopes.has(t.qualifiedName)).map((t) => ({ ...t, scope: scopes.get(t.qualifiedName)! }));
  return {
    tables: orderByDependencies(tenantTables),
    globalTables: tables
      .filter((t) => !scopes.has(t.qualifiedName))
      .map((t) => t.qualifiedName)
      .sort(compareNames),
  };
}

/**
 * The key that decides which tenant a row belongs to, when the table has one (docs/TENANT-SCOPE.md): a validated key
 * whose columns are all NOT NULL, so every row has exactly one parent through it, leading to a table nearer the
 * tenant column than this one, so that chains of owners end. Among several: an indexed one first (the planner can
 * then find a tenant's rows from its parents' keys), then the nearest parent, then the constraint name.
 */
function ownerOf(table: CatalogTable, keys: ForeignKeySpec[], distance: ReadonlyMap<string, number>): ForeignKeySpec | undefined {
  const own = distance.get(table.qualifiedName)!;
  const notNull = new Set(table.columns.filter((c) => !c.nullable).map((c) => c.name));
  const candidates = keys.filter((fk) => !fk.notValid && fk.columns.every((c) => notNull.has(c)) && distance.get(fk.references)! < own);
  const rank = (fk: ForeignKeySpec) => [isIndexed(table, fk.columns) ? 0 : 1, distance.get(fk.references)!] as const;
  return candidates.sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] - rb[0] || ra[1] - rb[1] || compareNames(a.name, b.name);
  })[0];
}

/** Whether an index of the table starts with exactly these columns (in any order), so a lookup by them can use it. */
export function isIndexed(table: Pick<TableSpec, 'indexes'>, columns: readonly string[]): boolean {
  const wanted = new Set(columns);
  return (table.indexes ?? []).some((index) => index.length >= wanted.size && index.slice(0, wanted.size).every((c) => wanted.has(c)));
}
