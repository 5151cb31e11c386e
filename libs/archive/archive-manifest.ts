import { MAX_TABLES, tableDataDir } from './archive-layout';

export const ARCHIVE_FORMAT_VERSION = 1;

export interface ManifestColumn {
  name: string;
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  generated: boolean;
  /** pg_attribute.attidentity: 'a' (ALWAYS), 'd' (BY DEFAULT) or null. */
  identity: 'a' | 'd' | null;
}

/**
 * One exported table. `foreignKeys`, `scope` and `sequences` are stored as given: their shape
 * belongs to the exporter (libs/tenant-data), the archive only needs them to be JSON.
 */
export interface ManifestTable {
  /** `schema.table`, unquoted. */
  name: string;
  schema: string;
  table: string;
  columns: ManifestColumn[];
  /** The columns of the COPY data, in order. */
  copyColumns: string[];
  primaryKey: string[];
  foreignKeys: unknown[];
  scope: unknown;
  sequences: unknown[];
  /** Directory of the table's parts: tableDataDir(position, schema, table). */
  file: string;
}

/** manifest.json: everything known before the first row is read. */
export interface ArchiveManifest {
  formatVersion: typeof ARCHIVE_FORMAT_VERSION;
  kind: 'tenant';
  tenantId: string;
  backupId: string;
  /** ISO 8601. */
  createdAt: string;
  source: { serverVersion: string; database?: string };
  /** In archive order, which is the order the data follows. */
  tables: ManifestTable[];
  /** Tables left out because they belong to no tenant, `schema.table`. */
  globalTables: string[];
}

export interface TableSummary {
  /** Number of '\n' bytes: COPY text escapes newlines inside values, so one per row. */
  rows: number;
  bytes: number;
  /** Hex sha256 of the table's COPY text. */
  sha256: string;
}

/** summary.json: what is only known once all data has been written. */
export interface ArchiveSummary {
  tables: Record<string, TableSummary>;
  totalRows: number;
  totalBytes: number;
}

/**
 * What is wrong with a manifest, or null. Checks only what the archive relies on (version,
 * identity, table names and their directories), so the writer and the reader agree on layout.
 */
export function manifestProblem(value: unknown): string | null {
  if (!isObject(value)) return 'manifest is not a JSON object';
  if (value.formatVersion !== ARCHIVE_FORMAT_VERSION) return `unsupported formatVersion ${JSON.stringify(value.formatVersion)}`;
  if (value.kind !== 'tenant') return `unsupported kind ${JSON.stringify(value.kind)}`;
  for (const field of ['tenantId', 'backupId', 'createdAt'] as const) {
    if (typeof value[field] !== 'string') return `${field} must be a string`;
  }
  if (Number.isNaN(Date.parse(value.createdAt as string))) return 'createdAt must be an ISO 8601 date';
  if (!Array.isArray(value.tables)) return 'tables must be an array';
  if (value.tables.length > MAX_TABLES) return `more than ${MAX_TABLES} tables`;
  const names = new Set<string>();
  for (const [i, table] of value.tables.entries()) {
    if (!isObject(table) || typeof table.schema !== 'string' || typeof table.table !== 'string') {
      return `tables[${i}] needs string schema and table`;
    }
    if (table.name !== `${table.schema}.${table.table}`) return `tables[${i}].name must be "${table.schema}.${table.table}"`;
    if (names.has(table.name)) return `table ${table.name} is listed twice`;
    names.add(table.name);
    const dir = tableDataDir(i + 1, table.schema, table.table);
    if (table.file !== dir) return `tables[${i}].file must be "${dir}"`;
  }
  return null;
}

/** What is wrong with a summary's shape, or null (its numbers are checked against the data by the reader). */
export function summaryProblem(value: unknown): string | null {
  if (!isObject(value) || !isObject(value.tables)) return 'summary has no tables object';
  if (!Number.isSafeInteger(value.totalRows) || !Number.isSafeInteger(value.totalBytes)) return 'summary totals must be integers';
  for (const [name, table] of Object.entries(value.tables)) {
    if (!isObject(table) || !Number.isSafeInteger(table.rows) || !Number.isSafeInteger(table.bytes) || typeof table.sha256 !== 'string') {
      return `summary of ${name} needs integer rows and bytes and a sha256 string`;
    }
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
