import { ClientBase } from 'pg';
import { TableSpec } from '../tenant-data';
import { CatalogColumn, PgTypeFacts } from './column-encoding';

/** An enum type a tenant table uses, which schema.sql creates. */
export interface EnumType {
  schema: string;
  name: string;
  labels: string[];
}

/** PgTypeFacts of the type `oid` with typmod `typmod`, as a JSON object. */
const typeFacts = (oid: string, typmod: string) => `
  (SELECT row_to_json(f) FROM (
     SELECT t.typname AS name, n.nspname AS schema, format_type(t.oid, ${typmod}) AS formatted, t.typtype AS kind,
       t.typcategory AS category, t.oid::text AS oid
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = ${oid}) f)`;

/**
 * Each column of the given tables with its type looked through domains (a domain over a domain too), and, for
 * arrays, its element type likewise; `domain` says either was one. A true array type is its element's typarray
 * (int2vector and oidvector are not). A domain's typmod is the one the innermost domain gives its base type; an
 * array's typmod is its elements'.
 */
const COLUMNS_SQL = `
  WITH RECURSIVE chain(domain, typid, typmod) AS (
    SELECT oid, typbasetype, typtypmod FROM pg_type WHERE typtype = 'd'
    UNION ALL
    SELECT c.domain, t.typbasetype, t.typtypmod FROM chain c JOIN pg_type t ON t.oid = c.typid WHERE t.typtype = 'd'
  ),
  base_of AS (SELECT c.domain, c.typid, c.typmod FROM chain c JOIN pg_type t ON t.oid = c.typid WHERE t.typtype <> 'd'),
  cols AS (
    SELECT q.ord, a.attnum, a.attname, NOT a.attnotnull AS nullable,
      CASE WHEN a.attgenerated = 's' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS generation_expression,
      b.domain IS NOT NULL AS column_domain,
      coalesce(b.typid, a.atttypid) AS base_oid,
      coalesce(b.typmod, a.atttypmod) AS base_typmod
    FROM unnest($1::text[]) WITH ORDINALITY AS q(name, ord)
    JOIN pg_attribute a ON a.attrelid = q.name::regclass AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    LEFT JOIN base_of b ON b.domain = a.atttypid
  ),
  with_elements AS (
    SELECT c.*, coalesce(eb.typid, e.oid) AS element_oid, eb.domain IS NOT NULL AS element_domain,
      CASE WHEN eb.domain IS NOT NULL THEN eb.typmod ELSE c.base_typmod END AS element_typmod
    FROM cols c
    JOIN pg_type bt ON bt.oid = c.base_oid
    LEFT JOIN pg_type e ON e.oid = bt.typelem AND e.typarray = bt.oid
    LEFT JOIN base_of eb ON eb.domain = e.oid
  )
  SELECT ord::int AS "tableIndex", attname AS name, nullable,
    generation_expression AS "generationExpression", column_domain OR element_domain AS domain,
    ${typeFacts('base_oid', 'base_typmod')} AS base,
    CASE WHEN element_oid IS NOT NULL THEN ${typeFacts('element_oid', 'element_typmod')} END AS element
  FROM with_elements
  ORDER BY ord, attnum`;

/** Columns of `tables`, in table order, as the customer export encodes them. */
export async function readCatalogColumns(client: ClientBase, tables: readonly TableSpec[]): Promise<CatalogColumn[][]> {
  const { rows } = await client.query<CatalogColumn & { tableIndex: number }>(COLUMNS_SQL, [tables.map((t) => t.qualifiedName)]);
  const columns: CatalogColumn[][] = tables.map(() => []);
  for (const { tableIndex, ...column } of rows) columns[tableIndex - 1].push(column);
  return columns;
}

/** The enum types among `types`, with their labels in sort order. */
export async function readEnumTypes(client: ClientBase, types: readonly PgTypeFacts[]): Promise<EnumType[]> {
  const oids = [...new Set(types.filter((t) => t.kind === 'e').map((t) => t.oid))];
  if (oids.length === 0) return [];
  const { rows } = await client.query<EnumType>(
    `SELECT n.nspname AS schema, t.typname AS name,
       array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE t.oid = ANY ($1::oid[])
     ORDER BY n.nspname COLLATE "C", t.typname COLLATE "C"`,
    [oids],
  );
  return rows;
}
