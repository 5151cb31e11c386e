import { CsvEncoding } from './column-encoding';

/** Raised whenever a reader of an older version would misread an export (docs/CUSTOMER-EXPORT.md). */
export const CUSTOMER_EXPORT_FORMAT_VERSION = 1;
export const CUSTOMER_EXPORT_KIND = 'tenantvault-customer-export';

/** Entries besides the CSV files, in the order they are written: manifest.json last, once counts and hashes are known. */
export const README_ENTRY = 'README.txt';
export const SCHEMA_ENTRY = 'schema.sql';
export const MANIFEST_ENTRY = 'manifest.json';

/** What PostgreSQL's `COPY ... WITH (FORMAT csv, HEADER true)` writes, plus the byte order mark the export adds. */
export const CSV_DIALECT = {
  encoding: 'UTF-8',
  byteOrderMark: true,
  delimiter: ',',
  quote: '"',
  /** A quote inside a quoted field is written twice. */
  escape: '"',
  lineEnding: '\n',
  header: true,
  /** NULL is an empty, unquoted field; an empty string is `""`. */
  null: '',
  emptyString: '""',
} as const;

export interface ExportedFile {
  /** Entry name in the zip. */
  file: string;
  /** Size of the file as extracted. */
  bytes: number;
  /** Hex sha256 of the file as extracted (what `sha256sum <file>` prints). */
  sha256: string;
}

export interface CustomerExportColumn {
  name: string;
  /** Type in the source database, as TENANT backup manifests record it. */
  sourceType: string;
  /** Type schema.sql declares. */
  loadType: string;
  encoding: CsvEncoding;
  nullable: boolean;
  /** A stored generated column in the source; its values are exported. */
  generated: boolean;
}

export interface CustomerExportTable extends ExportedFile {
  /** `schema.table`. */
  name: string;
  schema: string;
  table: string;
  columns: CustomerExportColumn[];
  primaryKey: string[];
  /** Data records after the header line. */
  rows: number;
}

export interface CustomerExportManifest {
  formatVersion: typeof CUSTOMER_EXPORT_FORMAT_VERSION;
  kind: typeof CUSTOMER_EXPORT_KIND;
  tenantId: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** `SHOW server_version` of the source database. */
  serverVersion: string;
  csv: typeof CSV_DIALECT;
  readme: ExportedFile;
  schema: ExportedFile;
  /** In schema.sql's order: parents before children. */
  tables: CustomerExportTable[];
}
