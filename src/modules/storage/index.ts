/** Storage context: the configured providers (STORAGE_PROVIDERS), whether they answer, and what storing costs. */
export { StorageModule } from './storage.module';
export { StorageService } from './storage.service';
export type { ProviderReachability } from './storage.service';
export { UnknownProviderError } from './storage.errors';
export { adaptersFromConfig } from './storage-settings';
export { estimatedMonthlyCost } from './storage-cost';
export { STORAGE_ADAPTERS } from './storage.tokens';
