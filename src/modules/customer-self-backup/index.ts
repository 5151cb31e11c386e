/**
 * Customer self-backup context: a tenant user's own exports (a zip of CSVs, docs/CUSTOMER-EXPORT.md) as CUSTOMER
 * backups, under a daily allowance, downloadable (with ranges) until they expire.
 */
export { CustomerSelfBackupModule } from './customer-self-backup.module';
export { CustomerExportsService } from './customer-exports.service';
export type { DailyAllowance, ExportDownload } from './customer-exports.service';
export { CustomerExportExpiry } from './customer-export-expiry.service';
export { CustomerExport, ExpiryReason } from './customer-export.entity';
export { CustomerExportPage, CustomerExportResponse, CustomerExportStatusResponse } from './dto/customer-export.response';
