import { quoteIdent, tenantIdLiteral } from './sql-quoting';
import { TableSpec, TenantGraph } from './tenant-data.types';

/**
 * The SQL condition selecting `table`'s rows that belong to one tenant, with `alias` naming the table in the
 * caller's FROM. Tables reached through foreign keys get one EXISTS per tenant-reaching key, recursively up to a
 * table holding the tenant column. The tenant id is inlined (COPY takes no bind parameters) after validation as a
 * UUID, which is what makes this injection-proof.
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
        const branches = scope.via
          .filter((fk) => !onPath.has(fk.references))
          .map((fk) => {
            const parent = tables.get(fk.references);
            if (!parent) throw new Error(`${t.qualifiedName} references ${fk.references}, which is not in the tenant graph`);
            const p = quoteIdent(`${alias}_p${++aliases}`);
            const join = fk.columns.map((c, i) => `${p}.${quoteIdent(fk.referencedColumns[i])} = ${ref}.${quoteIdent(c)}`).join(' AND ');
            return `EXISTS (SELECT 1 FROM ${parent.qualifiedName} AS ${p} WHERE ${join} AND ${predicate(parent, p, onPath)})`;
          });
        if (branches.length === 0) return 'false';
        return branches.length === 1 ? branches[0] : `(${branches.join(' OR ')})`;
      }
    }
  };

  if (!tables.has(table.qualifiedName)) throw new Error(`${table.qualifiedName} is not a tenant table`);
  return predicate(table, quoteIdent(alias), new Set());
}
