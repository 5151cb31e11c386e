import { PassThrough, Readable } from 'node:stream';
import { ProviderName, StoragePort } from './storage.port';
import { StorageError, StorageWriteFailedError, asStorageError } from './storage.errors';

export type PutResult =
  | { provider: ProviderName; ok: true; size: number }
  | { provider: ProviderName; ok: false; error: StorageError };

export interface PutToAllOptions {
  contentType?: string;
  /** Buffer per target in bytes; memory is bounded by this (plus each adapter's own part buffer). */
  highWaterMark?: number;
}

/** One target's copy of the stream, and what became of its put. */
class Branch {
  readonly stream: PassThrough;
  failed = false;
  readonly result: Promise<PutResult>;

  constructor(readonly target: StoragePort, key: string, highWaterMark: number, contentType?: string) {
    this.stream = new PassThrough({ highWaterMark });
    // Failures surface through the put's rejection; the stream's own 'error' event must not crash the process.
    this.stream.on('error', () => undefined);
    this.result = Promise.resolve()
      .then(() => target.put(key, this.stream, { contentType }))
      .then(
        ({ size }): PutResult => ({ provider: target.name, ok: true, size }),
        (err: unknown): PutResult => {
          this.failed = true;
          this.stream.destroy(); // unblocks a writer waiting for 'drain'
          return { provider: target.name, ok: false, error: asStorageError(err, target.name, 'STORAGE.WRITE_FAILED') };
        },
      );
  }

  /** Resolves when the branch can take more data, or when it has failed or closed. */
  ready(): Promise<void> {
    if (!this.stream.writableNeedDrain || this.stream.destroyed || this.failed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }
}

/**
 * Writes one stream to every target at once. The source is read at the pace of the slowest healthy
 * target; a target that fails is dropped and the others carry on. If the source itself fails, every
 * target's put is failed with it (so nothing becomes visible anywhere) and putToAll rejects.
 * When every target has failed, the source is destroyed so its producer does not hang.
 */
export async function putToAll(
  targets: StoragePort[],
  key: string,
  source: Readable,
  options: PutToAllOptions = {},
): Promise<PutResult[]> {
  const highWaterMark = options.highWaterMark ?? 1024 * 1024;
  const branches = targets.map((target) => new Branch(target, key, highWaterMark, options.contentType));
  const healthy = () => branches.filter((b) => !b.failed);
  let bytes = 0;

  try {
    // The async iterator pulls one chunk at a time, so awaiting readiness below is the back-pressure.
    for await (const chunk of source) {
      const buffer: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      bytes += buffer.length;
      const live = healthy();
      if (live.length === 0) break; // leaving the loop destroys the source
      for (const branch of live) branch.stream.write(buffer);
      await Promise.all(live.map((branch) => branch.ready()));
    }
  } catch (sourceError) {
    for (const branch of branches) branch.stream.destroy(sourceError as Error);
    const results = await Promise.all(branches.map((b) => b.result));
    // An adapter that accepted a truncated body breaks its contract; do not leave that copy behind.
    const accepted = branches.filter((_, i) => results[i].ok);
    await Promise.all(accepted.map((b) => b.target.delete(key).catch(() => undefined)));
    throw sourceError;
  }

  for (const branch of healthy()) branch.stream.end();
  const results = await Promise.all(branches.map((b) => b.result));
  return results.map((result) => checkSize(result, bytes));
}

/** A target that reports a different size than was read stored something else. */
function checkSize(result: PutResult, bytes: number): PutResult {
  if (!result.ok || result.size === bytes) return result;
  const error = new StorageWriteFailedError(result.provider, `${result.provider}: stored ${result.size} bytes of ${bytes}`);
  return { provider: result.provider, ok: false, error };
}
