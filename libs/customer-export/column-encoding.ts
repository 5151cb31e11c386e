import { quoteIdent } from '../tenant-data';

/**
 * How a column's values are written in its CSV file. Every encoding is text PostgreSQL itself reads back into the
 * column type schema.sql declares (docs/CUSTOMER-EXPORT.md, "Column encodings").
 */
export type CsvEncoding =
  /** PostgreSQL's own text form: text, varchar, char, uuid, time, inet, ranges, and any type not listed below. */
  | 'text'
  /** Integers, numeric, floating point, money (as a plain number): full precision, `.` as decimal point. */
  | 'number'
  /** `true` / `false`. */
  | 'boolean'
  /** One of the enum type's labels. */
  | 'enum'
  /** `YYYY-MM-DD`, or `infinity` / `-infinity`. */
  | 'date'
  /** ISO 8601 in UTC: `2024-03-01T09:00:00.123456Z`, or `infinity` / `-infinity`. */
  | 'timestamp-utc'
  /** ISO 8601 without offset: `2024-03-01T09:00:00`, or `infinity` / `-infinity`. */
  | 'timestamp'
  /** ISO 8601 duration: `P1Y2M3DT4H5M6.5S`. */
  | 'interval'
  /** JSON text as stored. */
  | 'json'
  /** bytea as base64 (RFC 4648, padded, on one line); schema.sql declares the column `text`. */
  | 'base64'
  /** A PostgreSQL array literal: `{vip,"comma, inside",NULL}`. */
  | 'array';

/** What the catalog says about a type (a column's, or an array's element), after looking through domains. */
export interface PgTypeFacts {
  /** pg_type.typname: `int4`, `timestamptz`, `_text`, `invoice_status`. */
  name: string;
  /** Its schema; `pg_catalog` for built-in types. */
  schema: string;
  /** format_type() with the column's typmod: `numeric(14,2)`, `character(3)`, `timestamp with time zone`. */
  formatted: string;
  /** pg_type.typtype: `b` base, `e` enum, `c` composite, `r` range, `m` multirange, `p` pseudo. */
  kind: string;
  /** pg_type.typcategory: `N` numeric, `A` array, `S` string, ... */
  category: string;
  /** pg_type oid, to look up an enum's labels. */
  oid: string;
}

/** A tenant table's column as the export reads it from the catalog. */
export interface CatalogColumn {
  name: string;
  nullable: boolean;
  /** The expression of a stored generated column; its values are exported like any other column's. */
  generationExpression: string | null;
  /** Declared with a domain (`base` is then its underlying type), or as an array of a domain (`element` is then its underlying type). */
  domain: boolean;
  base: PgTypeFacts;
  /** The element type (domains looked through) when `base` is an array type. */
  element: PgTypeFacts | null;
}

const BUILT_IN = 'pg_catalog';

const ENCODING_BY_NAME: Record<string, CsvEncoding> = {
  bytea: 'base64',
  timestamptz: 'timestamp-utc',
  timestamp: 'timestamp',
  date: 'date',
  interval: 'interval',
  bool: 'boolean',
  json: 'json',
  jsonb: 'json',
  money: 'number',
};

export function csvEncoding(column: Pick<CatalogColumn, 'base' | 'element'>): CsvEncoding {
  const { base } = column;
  if (column.element) return 'array';
  if (base.kind === 'e') return 'enum';
  if (base.schema !== BUILT_IN) return 'text';
  return ENCODING_BY_NAME[base.name] ?? (base.category === 'N' ? 'number' : 'text');
}

/**
 * The column's type in schema.sql: one the CSV text loads into with a plain `COPY ... FROM` and that keeps the
 * value. Built-in types and enums stay as they are (domains become their base type); bytea becomes text, because
 * bytea would silently take base64 as the bytes of its letters; types the export does not create (composites,
 * extension types, user-defined ranges) become text holding PostgreSQL's text form.
 */
export function loadType(column: Pick<CatalogColumn, 'base' | 'element'>): string {
  const { base, element } = column;
  if (element) return recreatable(element) ? `${sqlType(element)}[]` : 'text';
  if (base.schema === BUILT_IN && base.name === 'bytea') return 'text';
  return recreatable(base) ? sqlType(base) : 'text';
}

/** Whether schema.sql declares another type than the source's (a domain's base type counts as another). */
export function loadTypeDiffers(column: Pick<CatalogColumn, 'base' | 'element' | 'domain'>): boolean {
  const { base, element } = column;
  if (column.domain) return true;
  if (element) return !recreatable(element);
  return !recreatable(base) || (base.schema === BUILT_IN && base.name === 'bytea');
}

/** Built in, or an enum, which schema.sql creates. */
function recreatable(type: PgTypeFacts): boolean {
  return type.schema === BUILT_IN || type.kind === 'e';
}

function sqlType(type: PgTypeFacts): string {
  return type.schema === BUILT_IN ? type.formatted : `${quoteIdent(type.schema)}.${quoteIdent(type.name)}`;
}

/**
 * The SELECT-list item writing `column` of the table aliased `alias` in its CSV encoding, named after the column so
 * that COPY's header line carries the column names. Relies on the session settings of the export's transaction
 * (TimeZone UTC, DateStyle ISO, IntervalStyle iso_8601: see EXPORT_SESSION_SETTINGS). E'' strings keep the patterns
 * independent of standard_conforming_strings.
 */
export function columnExpression(column: CatalogColumn, alias: string): string {
  const ref = `${quoteIdent(alias)}.${quoteIdent(column.name)}`;
  // A domain's values are cast to its base type first, so the base type's casts and functions apply.
  const value = column.domain ? `(${ref})::${sqlType(column.base)}` : ref;
  return `${encodedValue(csvEncoding(column), column.base, value)} AS ${quoteIdent(column.name)}`;
}

function encodedValue(encoding: CsvEncoding, base: PgTypeFacts, value: string): string {
  switch (encoding) {
    case 'base64':
      // encode() breaks base64 into 76-character lines.
      return String.raw`translate(encode(${value}, 'base64'), E'\n', '')`;
    case 'timestamp-utc':
      // `2024-03-01 09:00:00.123456+00` in a UTC session; infinities and BC dates do not match and stay as they are.
      return String.raw`regexp_replace(${value}::text, E'^(\\S+) (\\S+)\\+00$', E'\\1T\\2Z')`;
    case 'timestamp':
      return String.raw`regexp_replace(${value}::text, E'^(\\S+) (\\S+)$', E'\\1T\\2')`;
    case 'boolean':
      // COPY writes booleans as t/f; the cast to text spells them out.
      return `${value}::text`;
    case 'number':
      // money's text form depends on lc_monetary (`$1,234.50`); as numeric it is a plain number.
      return base.name === 'money' && base.schema === BUILT_IN ? `${value}::numeric` : value;
    default:
      return value;
  }
}

/**
 * Set at the start of the export's transaction: the encodings above depend on them, and fixing them makes the
 * CSV the same whatever the server's or the role's defaults. extra_float_digits 1 gives the shortest text that reads
 * back as the same float; bytea_output matters for bytea inside arrays.
 */
export const EXPORT_SESSION_SETTINGS: Record<string, string> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'iso_8601',
  extra_float_digits: '1',
  bytea_output: 'hex',
  client_encoding: 'UTF8',
};
