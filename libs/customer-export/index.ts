/** The customer self-export (SPEC §3, CUSTOMER): a zip of CSV files readable without TenantVault. See docs/CUSTOMER-EXPORT.md. */
export { createCustomerExport } from './customer-export';
export type { CustomerExport, CustomerExportOptions } from './customer-export';
export {
  CSV_DIALECT,
  CUSTOMER_EXPORT_FORMAT_VERSION,
  CUSTOMER_EXPORT_KIND,
  MANIFEST_ENTRY,
  README_ENTRY,
  SCHEMA_ENTRY,
} from './customer-export-manifest';
export type { CustomerExportColumn, CustomerExportManifest, CustomerExportTable, ExportedFile } from './customer-export-manifest';
export type { CsvEncoding } from './column-encoding';
export { CustomerExportAbortedError, CustomerExportError, CustomerExportTableError } from './customer-export.errors';
export type { CustomerExportErrorCode } from './customer-export.errors';
export { CUSTOMER_EXPORT_APPLICATION_NAME } from './csv-snapshot';
export { csvFileName } from './csv-file-names';
