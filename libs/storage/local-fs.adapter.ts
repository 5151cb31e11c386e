import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, open, opendir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  InvalidStorageKeyError,
  ObjectNotFoundError,
  ProviderUnavailableError,
  StorageError,
  StorageWriteFailedError,
} from './storage.errors';
import { assertSafeKey, assertSafePrefix, isSafeKeySegment } from './storage-keys';
import { assertByteRange, ByteRange, IncompleteUpload, ProviderName, StoragePort, StorageUsage, StoredObjectInfo } from './storage.port';

/** Uploads in progress live here under random names; keys can never start with '.', so list never sees them. */
const PARTIAL_DIR = '.partial';

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Keeps backups in a directory. A put is written to a temporary file, fsynced, then renamed into place. */
export class LocalFsAdapter implements StoragePort {
  readonly name: ProviderName = 'local';
  private readonly root: string;

  constructor(rootDir: string) {
    this.root = path.resolve(rootDir);
  }

  async put(key: string, body: Readable): Promise<{ size: number }> {
    assertSafeKey(key);
    const target = this.pathFor(key);
    const partialDir = path.join(this.root, PARTIAL_DIR);
    const temp = path.join(partialDir, `${randomUUID()}.part`);
    try {
      await mkdir(partialDir, { recursive: true });
      // flush: fsync before close, so the rename below never publishes a file whose bytes are not on disk.
      const out = createWriteStream(temp, { flags: 'wx', flush: true });
      // pipeline settles only once the file is closed, so the cleanup below cannot race its creation.
      await pipeline(body, out);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(temp, target);
      // Make the rename itself durable, not only the file's bytes.
      await fsyncPath(path.dirname(target)).catch(() => undefined);
      return { size: out.bytesWritten };
    } catch (err) {
      body.destroy();
      await rm(temp, { force: true }).catch(() => undefined);
      throw new StorageWriteFailedError(this.name, `local: writing "${key}" failed: ${(err as Error)?.message ?? err}`, {
        cause: err,
      });
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeKey(key);
    if (range) assertByteRange(range);
    let handle;
    try {
      handle = await open(this.pathFor(key), 'r');
    } catch (err) {
      throw this.translate(err, key);
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(key, this.name);
    }
    // Closes the handle when done or destroyed; fs reads `end` inclusively, as ByteRange does.
    return handle.createReadStream(range ? { start: range.start, end: range.end } : undefined);
  }

  async head(key: string): Promise<StoredObjectInfo | null> {
    assertSafeKey(key);
    try {
      const info = await stat(this.pathFor(key));
      return info.isFile() ? { key, size: info.size, lastModified: new Date(info.mtimeMs) } : null;
    } catch (err) {
      const translated = this.translate(err, key);
      if (translated instanceof ObjectNotFoundError) return null;
      throw translated;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    assertSafePrefix(prefix);
    // Start at the deepest folder the prefix names, instead of walking the whole root.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    for await (const info of this.walk(folder)) {
      if (info.key.startsWith(prefix)) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    try {
      await unlink(this.pathFor(key));
    } catch (err) {
      const translated = this.translate(err, key);
      if (!(translated instanceof ObjectNotFoundError)) throw translated;
    }
  }

  async usage(): Promise<StorageUsage> {
    const usage = { objects: 0, bytes: 0 };
    for await (const info of this.list('')) {
      usage.objects += 1;
      usage.bytes += info.size;
    }
    return usage;
  }

  async ping(): Promise<void> {
    const probe = path.join(this.root, PARTIAL_DIR, `ping-${randomUUID()}`);
    try {
      await mkdir(path.dirname(probe), { recursive: true });
      await writeFile(probe, '');
      await unlink(probe);
    } catch (err) {
      throw new ProviderUnavailableError(this.name, `local: directory ${this.root} is not writable (${errnoCode(err) ?? err})`, {
        cause: err,
      });
    }
  }

  /**
   * Temporary files of puts that never reached their rename (the process was killed: a put that fails
   * in-process removes its own), and of ping probes cut short the same way. The file name is the id;
   * mtime is the last write, so a put still streaming stays out of the list as long as the grace period
   * exceeds its longest pause.
   */
  async *listIncomplete(olderThan: Date): AsyncIterable<IncompleteUpload> {
    assertOlderThan(olderThan);
    const partialDir = path.join(this.root, PARTIAL_DIR);
    let names: string[];
    try {
      names = (await readdir(partialDir, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && isSafeKeySegment(entry.name))
        .map((entry) => entry.name)
        .sort();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return; // nothing was ever written here
      throw this.translate(err, PARTIAL_DIR);
    }
    for (const name of names) {
      let info;
      try {
        info = await lstat(path.join(partialDir, name));
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue; // renamed into place or removed meanwhile
        throw this.translate(err, `${PARTIAL_DIR}/${name}`);
      }
      if (info.mtimeMs < olderThan.getTime()) yield { id: name, startedAt: new Date(info.mtimeMs) };
    }
  }

  /**
   * Removing the file of a put that is in fact still running is safe: that put's rename then fails and
   * it rejects, so a half-written object is never published.
   */
  async abortIncomplete(id: string): Promise<void> {
    // One plain file name: no '/', no leading dot, so nothing outside .partial can be named.
    if (typeof id !== 'string' || !isSafeKeySegment(id)) {
      throw new InvalidStorageKeyError(`not an incomplete upload of ${this.name}: ${JSON.stringify(String(id).slice(0, 200))}`);
    }
    try {
      await unlink(path.join(this.root, PARTIAL_DIR, id));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw this.translate(err, `${PARTIAL_DIR}/${id}`);
    }
  }

  /** Keys are already checked; the prefix test is a second lock in case the check is ever weakened. */
  private pathFor(key: string): string {
    const full = path.join(this.root, ...key.split('/'));
    if (!full.startsWith(this.root + path.sep)) throw new InvalidStorageKeyError('key escapes the storage root');
    return full;
  }

  private async *walk(relativeDir: string): AsyncGenerator<StoredObjectInfo> {
    let dir;
    try {
      dir = await opendir(relativeDir ? this.pathFor(relativeDir) : this.root);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
      throw this.translate(err, relativeDir);
    }
    const entries: { name: string; isDir: boolean }[] = [];
    for await (const entry of dir) {
      if (!isSafeKeySegment(entry.name)) continue; // .partial, and files no key could name
      if (entry.isDirectory() || entry.isFile()) entries.push({ name: entry.name, isDir: entry.isDirectory() });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const key = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (entry.isDir) {
        yield* this.walk(key);
        continue;
      }
      try {
        const info = await stat(this.pathFor(key));
        yield { key, size: info.size, lastModified: new Date(info.mtimeMs) };
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw this.translate(err, key); // deleted while listing: skip
      }
    }
  }

  private translate(err: unknown, key: string): StorageError {
    if (err instanceof StorageError) return err;
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return new ObjectNotFoundError(key, this.name);
    return new ProviderUnavailableError(this.name, `local: "${key}": ${code ?? (err as Error)?.message ?? err}`, { cause: err });
  }
}

function assertOlderThan(value: Date): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError('olderThan must be a valid Date');
}

async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
