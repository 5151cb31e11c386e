import { Readable } from 'node:stream';

/** Names of the storage providers TenantVault can write to (STORAGE_PROVIDERS). */
export type ProviderName = 'local' | 'b2' | 'r2';
export const PROVIDER_NAMES: readonly ProviderName[] = ['local', 'b2', 'r2'];

export interface StoredObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface StorageUsage {
  objects: number;
  bytes: number;
}

/**
 * What the domain needs from a place that keeps backup objects.
 * `put` must be atomic from a reader's point of view: until it resolves, `get`/`head`/`list`
 * never see the key (temporary name + rename locally, multipart completion on S3).
 */
export interface StoragePort {
  readonly name: ProviderName;
  /** Streams `body` to `key`; resolves with the number of bytes stored. Rejects (and leaves nothing visible) if the body errors. */
  put(key: string, body: Readable, options?: { contentType?: string }): Promise<{ size: number }>;
  /** Throws ObjectNotFoundError when the key does not exist. */
  get(key: string): Promise<Readable>;
  /** null when the key does not exist. */
  head(key: string): Promise<StoredObjectInfo | null>;
  list(prefix: string): AsyncIterable<StoredObjectInfo>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  usage(): Promise<StorageUsage>;
  /** Throws ProviderUnavailableError when the provider cannot be reached. */
  ping(): Promise<void>;
}
