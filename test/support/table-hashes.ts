import { ClientBase } from 'pg';
import { readCatalogTables } from '../../libs/tenant-data/discover';
import { discoverTenantGraph, quoteIdent, quoteQualified, TenancyConfig, tenantRowsPredicate } from '../../libs/tenant-data';
import { DEFAULT_TENANCY } from '../../libs/demo-platform';

export interface TableHash {
  rows: number;
  /** md5 of the rows' text forms in primary-key order. */
  hash: string;
}

/**
 * A fingerprint of each table's content, computed by PostgreSQL from the rows' text forms, so "byte-identical after
 * restore" and "the other tenant is untouched" are one `toEqual` each. Keys are qualified names (`"public"."users"`).
 * With `tenantId`, only that tenant's tables and rows, selected with the same SQL the export uses; global tables are
 * left out because no row of theirs belongs to a tenant.
 */
export async function tableContentHashes(
  client: ClientBase,
  options: { tenantId?: string; tables?: string[]; tenancy?: TenancyConfig } = {},
): Promise<Record<string, TableHash>> {
  const { tenantId } = options;
  const graph = tenantId ? await discoverTenantGraph(client, options.tenancy ?? DEFAULT_TENANCY) : null;
  const scoped = graph
    ? graph.tables.map((table) => ({ table, where: tenantRowsPredicate(graph, table, tenantId!, 't') }))
    : (await readCatalogTables(client)).map((table) => ({ table, where: 'true' }));
  const result: Record<string, TableHash> = {};
  for (const { table, where } of scoped) {
    if (options.tables && !options.tables.includes(table.qualifiedName)) continue;
    // Without a key, the text form itself is the order: byte order, so collation settings cannot change it.
    const order = table.primaryKey.length > 0 ? table.primaryKey.map((c) => `"t".${quoteIdent(c)}`).join(', ') : '"t"::text COLLATE "C"';
    const { rows } = await client.query<TableHash>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg("t"::text, E'\\n' ORDER BY ${order}), '')) AS hash
       FROM ${table.qualifiedName} AS "t" WHERE ${where}`,
    );
    result[table.qualifiedName] = rows[0];
  }
  return result;
}

/** Each sequence's last_value (null before its first nextval), keyed `"schema"."sequence"` like TableSpec.sequences. */
export async function sequenceValues(client: ClientBase): Promise<Record<string, number | null>> {
  const { rows } = await client.query<{ schema: string; name: string; value: string | null }>(
    `SELECT schemaname AS schema, sequencename AS name, last_value::text AS value
     FROM pg_sequences WHERE schemaname <> 'information_schema' AND schemaname NOT LIKE 'pg\\_%'`,
  );
  return Object.fromEntries(rows.map((r) => [quoteQualified(r.schema, r.name), r.value === null ? null : Number(r.value)]));
}
