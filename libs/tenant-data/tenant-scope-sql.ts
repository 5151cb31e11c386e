import { quoteIdent, tenantIdLiteral } from './sql-quoting';
import { ForeignKeySpec, TableSpec, TenantGraph } from './tenant-data.types';

/**
 * The SQL condition selecting `table`'s rows that belong to one tenant, with `alias` naming the table in the
 * caller's FROM (docs/TENANT-SCOPE.md). A table reached through foreign keys follows its owning key if it has one,
 * else every tenant-reaching key, with an uncorrelated semi-join per key,
 * `key IN (SELECT parent key FROM parent WHERE <the parent's condition>)`, recursively up to a table holding the
 * tenant column: the planner can start from the tenant's parent rows and look the children up by the key's index,
 * so a small tenant's export costs its own rows, not the table's. Several keys (a table without an owning key) are
 * OR'ed as `column = ANY (ARRAY(SELECT ...))`, which the planner answers with one index scan per key (BitmapOr);
 * an OR of IN subqueries would make it read the whole table. The tenant id is inlined (COPY takes no bind
 * parameters) after validation as a UUID, which is what makes this injection-proof.
 *
 * A key leading back to a table already on the current path is skipped: the catalog allows cycles between tables
 * without the tenant column, and following one would never end.
 */
export function tenantRowsPredicate(graph: TenantGraph, table: TableSpec, tenantId: string, alias: string): string {
  const literal = tenantIdLiteral(tenantId);
  const tables = new Map(graph.tables.map((t) => [t.qualifiedName, t]));
  let aliases = 0;

  const predicate = (t: TableSpec, ref: string, path: ReadonlySet<string>): string => {
    const scope = t.scope;
    switch (scope.kind) {
      case 'tenant-row':
        return `${ref}."id" = ${literal}`;
      case 'tenant-column':
        return `${ref}.${quoteIdent(scope.column)} = ${literal}`;
      case 'foreign-key': {
        const onPath = new Set(path).add(t.qualifiedName);
        const keys = (scope.owner ? [scope.owner] : scope.via).filter((fk) => !onPath.has(fk.references));
        /** The referenced columns of the tenant's rows in the key's parent table. */
        const parentKeys = (fk: ForeignKeySpec): string => {
          const parent = tables.get(fk.references);
          if (!parent) throw new Error(`${t.qualifiedName} references ${fk.references}, which is not in the tenant graph`);
          const p = quoteIdent(`${alias}_p${++aliases}`);
          return `SELECT ${fk.referencedColumns.map((c) => `${p}.${quoteIdent(c)}`).join(', ')} FROM ${parent.qualifiedName} AS ${p} WHERE ${predicate(parent, p, onPath)}`;
        };
        const columns = (fk: ForeignKeySpec) => fk.columns.map((c) => `${ref}.${quoteIdent(c)}`);
        const semiJoin = (fk: ForeignKeySpec) => (fk.columns.length === 1 ? `${columns(fk)[0]} IN (${parentKeys(fk)})` : `(${columns(fk).join(', ')}) IN (${parentKeys(fk)})`);
        if (keys.length === 0) return 'false';
        if (keys.length === 1) return semiJoin(keys[0]);
        // A composite key has no indexable array form; it stays a semi-join, which the planner evaluates per row.
        const anyOf = (fk: ForeignKeySpec) => (fk.columns.length === 1 ? `${columns(fk)[0]} = ANY (ARRAY(${parentKeys(fk)}))` : semiJoin(fk));
        return `(${keys.map(anyOf).join(' OR ')})`;
      }
    }
  };

  if (!tables.has(table.qualifiedName)) throw new Error(`${table.qualifiedName} is not a tenant table`);
  return predicate(table, quoteIdent(alias), new Set());
}
