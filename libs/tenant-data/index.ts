export * from './tenant-data.types';
export * from './tenant-data.errors';
export { quoteIdent, quoteQualified, isTenantId, assertTenantId } from './sql-quoting';
export { discoverTenantGraph, listTenantIds, tenantExists } from './discover';
export { orderByDependencies } from './dependency-order';
export { tenantRowsPredicate } from './tenant-scope-sql';
export { openTenantExport, columnsForCopy } from './export';
export type { TenantExport, TenantTableData } from './export';
