/** Storage context: the configured providers (STORAGE_PROVIDERS) and their status. */
export { StorageModule } from './storage.module';
export { StorageService } from './storage.service';
export type { ProviderStatus } from './storage.service';
export { UnknownProviderError } from './storage.errors';
export { adaptersFromConfig } from './storage-settings';
export { STORAGE_ADAPTERS } from './storage.tokens';
