import { ProviderName } from './storage.port';

/** Stable codes: callers (and the global HTTP filter) branch on these, never on vendor error names. */
export type StorageErrorCode =
  | 'STORAGE.OBJECT_NOT_FOUND'
  | 'STORAGE.PROVIDER_UNAVAILABLE'
  | 'STORAGE.ACCESS_DENIED'
  | 'STORAGE.INVALID_KEY'
  | 'STORAGE.WRITE_FAILED'
  | 'STORAGE.READ_FAILED'
  | 'STORAGE.MISCONFIGURED';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    /** Which provider failed; undefined for errors raised before a provider is involved (key validation, config). */
    readonly provider?: ProviderName,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ObjectNotFoundError extends StorageError {
  constructor(
    readonly key: string,
    provider?: ProviderName,
  ) {
    super('STORAGE.OBJECT_NOT_FOUND', `object "${key}" not found${provider ? ` at ${provider}` : ''}`, provider);
  }
}

/** The provider could not be reached or answered with a server-side failure: worth retrying later. */
export class ProviderUnavailableError extends StorageError {
  constructor(provider: ProviderName, message: string, options?: { cause?: unknown }) {
    super('STORAGE.PROVIDER_UNAVAILABLE', message, provider, options);
  }
}

/** Credentials or permissions were refused: retrying will not help until configuration changes. */
export class StorageAccessDeniedError extends StorageError {
  constructor(provider: ProviderName, message: string) {
    super('STORAGE.ACCESS_DENIED', message, provider);
  }
}

export class InvalidStorageKeyError extends StorageError {
  constructor(message: string) {
    super('STORAGE.INVALID_KEY', message);
  }
}

export class StorageWriteFailedError extends StorageError {
  constructor(provider: ProviderName, message: string, options?: { cause?: unknown }) {
    super('STORAGE.WRITE_FAILED', message, provider, options);
  }
}

export class StorageMisconfiguredError extends StorageError {
  constructor(message: string, provider?: ProviderName) {
    super('STORAGE.MISCONFIGURED', message, provider);
  }
}

/** Anything that is not already a StorageError becomes a generic one of the given code, keeping the cause. */
export function asStorageError(err: unknown, provider: ProviderName, code: StorageErrorCode): StorageError {
  if (err instanceof StorageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StorageError(code, `${provider}: ${message}`, provider, { cause: err });
}
