/** The configured storage adapters (StoragePort[]), primary first. */
export const STORAGE_ADAPTERS = Symbol('STORAGE_ADAPTERS');
