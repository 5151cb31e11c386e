import { Readable } from 'node:stream';
import { InvalidStorageKeyError, ObjectNotFoundError, StorageWriteFailedError } from './storage.errors';
import { assertSafeKey, assertSafePrefix } from './storage-keys';
import { assertByteRange, ByteRange, IncompleteUpload, ProviderName, StoragePort, StorageUsage, StoredObjectInfo } from './storage.port';

/** For unit tests of pure logic: same contract as the real adapters, including the atomic put. */
export class InMemoryStorageAdapter implements StoragePort {
  private readonly objects = new Map<string, { data: Buffer; lastModified: Date }>();

  constructor(readonly name: ProviderName = 'local') {}

  async put(key: string, body: Readable): Promise<{ size: number }> {
    assertSafeKey(key);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    } catch (err) {
      throw new StorageWriteFailedError(this.name, `${this.name}: writing "${key}" failed: ${(err as Error)?.message ?? err}`, {
        cause: err,
      });
    }
    // Stored only once the whole body has arrived: a failed put leaves nothing behind.
    const data = Buffer.concat(chunks);
    this.objects.set(key, { data, lastModified: new Date() });
    return { size: data.length };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeKey(key);
    if (range) assertByteRange(range);
    const object = this.objects.get(key);
    if (!object) throw new ObjectNotFoundError(key, this.name);
    const data = range ? object.data.subarray(range.start, range.end === undefined ? undefined : range.end + 1) : object.data;
    return Readable.from([Buffer.from(data)]);
  }

  async head(key: string): Promise<StoredObjectInfo | null> {
    assertSafeKey(key);
    const object = this.objects.get(key);
    return object ? { key, size: object.data.length, lastModified: object.lastModified } : null;
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    assertSafePrefix(prefix);
    for (const key of [...this.objects.keys()].sort()) {
      const object = this.objects.get(key);
      if (object && key.startsWith(prefix)) yield { key, size: object.data.length, lastModified: object.lastModified };
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    this.objects.delete(key);
  }

  async usage(): Promise<StorageUsage> {
    let bytes = 0;
    for (const object of this.objects.values()) bytes += object.data.length;
    return { objects: this.objects.size, bytes };
  }

  async ping(): Promise<void> {}

  /** A put here is never half done (it stores nothing until the body has ended), so nothing is ever left over. */
  async *listIncomplete(olderThan: Date): AsyncIterable<IncompleteUpload> {
    if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) throw new TypeError('olderThan must be a valid Date');
  }

  /** No id can have come from listIncomplete here. */
  async abortIncomplete(id: string): Promise<void> {
    throw new InvalidStorageKeyError(`not an incomplete upload of ${this.name}: ${JSON.stringify(String(id).slice(0, 200))}`);
  }
}
