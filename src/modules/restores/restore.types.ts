import type { ProviderName } from '../../../libs/storage/storage.port';

/** What a restore operation covers: one tenant, listed tenants, or every active tenant. */
export enum RestoreType {
  INDIVIDUAL = 'INDIVIDUAL',
  MULTIPLE = 'MULTIPLE',
  ALL = 'ALL',
}

/** FULL: the tenant's rows become exactly the backup's. MERGE: rows missing now are inserted, existing rows kept. */
export enum RestoreMode {
  FULL = 'FULL',
  MERGE = 'MERGE',
}

/**
 * A whole operation. PARTIAL: a multi-tenant restore where some tenants were restored and others failed; each
 * tenant's own outcome is on its item.
 */
export enum RestoreStatus {
  PENDING = 'PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  PARTIAL = 'PARTIAL',
  FAILED = 'FAILED',
}

/** One tenant within an operation. */
export enum RestoreItemStatus {
  PENDING = 'PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}

/** How a restore is asked to run; `provider` absent means any copy that validates. */
export interface RestoreOptions {
  provider?: ProviderName;
  mode: RestoreMode;
  skipValidation: boolean;
}
