import { ClientBase } from 'pg';
import { isTenantId, quoteIdent, quoteQualified } from './sql-quoting';
import { TenancyConfigError } from './tenant-data.errors';
import { ColumnSpec, TenancyConfig, TenantGraph } from './tenant-data.types';
import { buildTenantGraph, CatalogTable } from './tenant-graph';

/**
 * Ordinary and partitioned tables of every user schema. Partitions are reached through their parent; tables owned
 * by an extension belong to the extension, not to any tenant. Every `pg_*` schema name is reserved to the system.
 */
const USER_TABLES = `
  SELECT c.oid, n.nspname, c.relname
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

const TABLES_SQL = `
  WITH t AS (${USER_TABLES})
  SELECT oid::text AS oid, nspname AS schema, relname AS name FROM t ORDER BY nspname, relname`;

/**
 * Type names are schema-qualified unless built in, whatever the session's search_path, so graphs discovered by
 * different connections compare equal. format_type() qualifies only types it cannot see, hence the prefix.
 */
const COLUMNS_SQL = `
  WITH t AS (${USER_TABLES})
  SELECT a.attrelid::text AS oid, a.attname AS name,
    CASE WHEN tn.nspname = 'pg_catalog' OR left(ft.name, length(quote_ident(tn.nspname)) + 1) = quote_ident(tn.nspname) || '.'
      THEN ft.name ELSE quote_ident(tn.nspname) || '.' || ft.name END AS type,
    NOT a.attnotnull AS nullable, a.atthasdef AS "hasDefault", a.attgenerated = 's' AS generated,
    nullif(a.attidentity, '') AS identity
  FROM pg_attribute a
  JOIN t ON t.oid = a.attrelid
  JOIN pg_type ty ON ty.oid = a.atttypid
  LEFT JOIN pg_type el ON el.oid = ty.typelem AND ty.typcategory = 'A'
  JOIN pg_namespace tn ON tn.oid = coalesce(el.typnamespace, ty.typnamespace)
  CROSS JOIN LATERAL (SELECT format_type(a.atttypid, a.atttypmod) AS name) ft
  WHERE a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attrelid, a.attnum`;

/** Key columns in key order. Constraints a partitioned parent clones onto its partitions are left out (conparentid). */
const CONSTRAINTS_SQL = `
  WITH t AS (${USER_TABLES})
  SELECT con.conrelid::text AS oid, con.contype AS kind, con.conname AS name, NOT con.convalidated AS "notValid",
    array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
    rn.nspname AS "refSchema", rc.relname AS "refName",
    array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS "refColumns"
  FROM pg_constraint con
  JOIN t ON t.oid = con.conrelid
  LEFT JOIN pg_class rc ON rc.oid = con.confrelid
  LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
  WHERE con.contype IN ('p', 'f') AND con.conparentid = 0
  ORDER BY con.conrelid, con.conname`;

/**
 * Valid, ready, non-partial indexes (including a partitioned table's own) with their key columns in order; an
 * expression column comes back NULL.
 */
const INDEXES_SQL = `
  WITH t AS (${USER_TABLES})
  SELECT i.indrelid::text AS oid,
    array(SELECT a.attname::text FROM generate_subscripts(i.indkey, 1) AS k(pos)
          LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.pos] AND i.indkey[k.pos] <> 0
          WHERE k.pos < i.indnkeyatts ORDER BY k.pos) AS columns
  FROM pg_index i
  JOIN t ON t.oid = i.indrelid
  WHERE i.indisvalid AND i.indisready AND i.indpred IS NULL
  ORDER BY i.indrelid, i.indexrelid`;

/** Sequences a column owns: serial ('a'uto dependency) and identity ('i'nternal dependency). */
const SEQUENCES_SQL = `
  WITH t AS (${USER_TABLES})
  SELECT d.refobjid::text AS oid, a.attname AS column, sn.nspname AS schema, s.relname AS name
  FROM pg_depend d
  JOIN t ON t.oid = d.refobjid
  JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
  JOIN pg_namespace sn ON sn.oid = s.relnamespace
  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  ORDER BY d.refobjid, a.attnum`;

/** Every user table with its columns, keys, sequences and indexes, straight from pg_catalog. */
export async function readCatalogTables(client: ClientBase): Promise<CatalogTable[]> {
  const tables = await client.query<{ oid: string; schema: string; name: string }>(TABLES_SQL);
  const columns = await client.query<ColumnSpec & { oid: string }>(COLUMNS_SQL);
  const constraints = await client.query<{ oid: string; kind: 'p' | 'f'; name: string; notValid: boolean; columns: string[]; refSchema: string; refName: string; refColumns: string[] }>(
    CONSTRAINTS_SQL,
  );
  const sequences = await client.query<{ oid: string; column: string; schema: string; name: string }>(SEQUENCES_SQL);
  const indexes = await client.query<{ oid: string; columns: (string | null)[] }>(INDEXES_SQL);
  const byOid = new Map<string, CatalogTable>();
  for (const r of tables.rows) {
    byOid.set(r.oid, { schema: r.schema, name: r.name, qualifiedName: quoteQualified(r.schema, r.name), columns: [], primaryKey: [], foreignKeys: [], sequences: [], indexes: [] });
  }
  for (const { oid, ...column } of columns.rows) byOid.get(oid)!.columns.push(column);
  for (const c of constraints.rows) {
    const table = byOid.get(c.oid)!;
    if (c.kind === 'p') table.primaryKey = c.columns;
    else {
      const key = { name: c.name, columns: c.columns, references: quoteQualified(c.refSchema, c.refName), referencedColumns: c.refColumns };
      table.foreignKeys.push(c.notValid ? { ...key, notValid: true } : key);
    }
  }
  for (const s of sequences.rows) byOid.get(s.oid)!.sequences.push({ column: s.column, sequence: quoteQualified(s.schema, s.name) });
  for (const i of indexes.rows) {
    const expression = i.columns.indexOf(null);
    const plain = (expression < 0 ? i.columns : i.columns.slice(0, expression)) as string[];
    if (plain.length > 0) byOid.get(i.oid)!.indexes!.push(plain);
  }
  return [...byOid.values()];
}

interface TenantTable {
  qualifiedName: string;
  columns: string[];
}

/** Finds the configured tenants table as PostgreSQL would (an unqualified name follows search_path) and checks its key. */
async function resolveTenantTable(client: ClientBase, tenancy: TenancyConfig): Promise<TenantTable> {
  const parts = tenancy.tenantTable.split('.');
  if (parts.length > 2 || parts.some((p) => p.length === 0)) {
    throw new TenancyConfigError(`TENANT_TABLE "${tenancy.tenantTable}" is not a table name or schema.table`);
  }
  const [schema, name] = parts.length === 2 ? parts : [null, parts[0]];
  const { rows } = await client.query<{ schema: string; name: string; columns: string[] }>(
    `SELECT n.nspname AS schema, c.relname AS name,
       array(SELECT attname::text FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped) AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND c.relname = $2
       AND CASE WHEN $1::text IS NULL THEN n.nspname = ANY (current_schemas(false)) ELSE n.nspname = $1::text END
     ORDER BY array_position(current_schemas(false)::text[], n.nspname::text)
     LIMIT 1`,
    [schema, name],
  );
  if (rows.length === 0) throw new TenancyConfigError(`TENANT_TABLE "${tenancy.tenantTable}" does not exist`);
  const table = { qualifiedName: quoteQualified(rows[0].schema, rows[0].name), columns: rows[0].columns };
  if (!table.columns.includes('id')) throw new TenancyConfigError(`TENANT_TABLE ${table.qualifiedName} has no "id" column`);
  return table;
}

/**
 * The tenant graph of the platform database, discovered from the catalog. Run it inside the transaction that reads
 * the data, so tables and rows come from the same snapshot.
 */
export async function discoverTenantGraph(client: ClientBase, tenancy: TenancyConfig): Promise<TenantGraph> {
  const tenantTable = await resolveTenantTable(client, tenancy);
  const tables = await readCatalogTables(client);
  if (!tables.some((t) => t.qualifiedName !== tenantTable.qualifiedName && t.columns.some((c) => c.name === tenancy.tenantIdColumn))) {
    throw new TenancyConfigError(`No table has the TENANT_ID_COLUMN "${tenancy.tenantIdColumn}"`);
  }
  return buildTenantGraph(tables, tenantTable.qualifiedName, tenancy.tenantIdColumn);
}

/**
 * Tenant ids in id order. With `activeOnly`, those whose filter column holds the configured value; a tenants table
 * without that column has no notion of inactive tenants (SPEC §2: "if it exists"), so all are active.
 */
export async function listTenantIds(client: ClientBase, tenancy: TenancyConfig, options: { activeOnly: boolean }): Promise<string[]> {
  const table = await resolveTenantTable(client, tenancy);
  const filter = options.activeOnly && tenancy.activeFilter && table.columns.includes(tenancy.activeFilter.column) ? tenancy.activeFilter : null;
  const { rows } = await client.query<{ id: string }>(
    `SELECT id::text AS id FROM ${table.qualifiedName}${filter ? ` WHERE ${quoteIdent(filter.column)}::text = $1` : ''} ORDER BY id`,
    filter ? [filter.value] : [],
  );
  return rows.map((r) => r.id);
}

/** Which of `ids` name a tenant, in one query; malformed ids never do. Ids come back as PostgreSQL prints them. */
export async function existingTenantIds(client: ClientBase, tenancy: TenancyConfig, ids: readonly string[]): Promise<Set<string>> {
  const valid = ids.filter(isTenantId);
  if (valid.length === 0) return new Set();
  const table = await resolveTenantTable(client, tenancy);
  const { rows } = await client.query<{ id: string }>(`SELECT id::text AS id FROM ${table.qualifiedName} WHERE id = ANY ($1)`, [valid]);
  return new Set(rows.map((r) => r.id));
}

/** A malformed id names no tenant: false, without querying. */
export async function tenantExists(client: ClientBase, tenancy: TenancyConfig, tenantId: string): Promise<boolean> {
  if (!isTenantId(tenantId)) return false;
  const table = await resolveTenantTable(client, tenancy);
  const { rows } = await client.query<{ exists: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${table.qualifiedName} WHERE id = $1) AS exists`, [tenantId]);
  return rows[0].exists;
}
