import { Readable } from 'node:stream';

/** Names of the storage providers TenantVault can write to (STORAGE_PROVIDERS). */
export type ProviderName = 'local' | 'b2' | 'r2';
export const PROVIDER_NAMES: readonly ProviderName[] = ['local', 'b2', 'r2'];

export interface StoredObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * What a put left behind when it never finished (a killed worker, a dropped connection): invisible to
 * get/head/list and never a backup, but it still takes space (and, on S3, is billed) until aborted.
 */
export interface IncompleteUpload {
  /** Opaque to callers: what abortIncomplete takes back. */
  id: string;
  /** The key the put was writing, when the provider records it (S3 does; a local temporary file does not). */
  key?: string;
  /** When it was started (S3) or last written to (local): a put still running keeps a local file's time fresh. */
  startedAt: Date;
}

export interface StorageUsage {
  objects: number;
  bytes: number;
}

/**
 * Bytes `start` to `end` of an object, both inclusive (as HTTP's Range counts them); without `end`, to the end. A
 * range that runs past the object is cut at its end, and one that starts at or past the end reads nothing.
 */
export interface ByteRange {
  start: number;
  end?: number;
}

/** Throws RangeError unless `range` is a usable byte range: a caller's mistake, never the provider's. */
export function assertByteRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`byte range start must be an integer >= 0, got ${start}`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) throw new RangeError(`byte range end must be an integer >= start (${start}), got ${end}`);
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
  /** Throws ObjectNotFoundError when the key does not exist. With `range`, only those bytes (resuming a download, seeking). */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** null when the key does not exist. */
  head(key: string): Promise<StoredObjectInfo | null>;
  list(prefix: string): AsyncIterable<StoredObjectInfo>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  usage(): Promise<StorageUsage>;
  /** Throws ProviderUnavailableError when the provider cannot be reached. */
  ping(): Promise<void>;
  /**
   * Leftovers of puts that never finished, started before `olderThan`. A put that is still running looks
   * the same, so `olderThan` must leave a grace period longer than the slowest put (now minus a day or more).
   */
  listIncomplete(olderThan: Date): AsyncIterable<IncompleteUpload>;
  /**
   * Removes one leftover listed by listIncomplete; one already gone is not an error. Throws
   * InvalidStorageKeyError for an id this adapter could not have listed.
   */
  abortIncomplete(id: string): Promise<void>;
}
