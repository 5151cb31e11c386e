import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { ArchiveError } from './archive.errors';
import { MANIFEST_ENTRY, MAX_PARTS_PER_TABLE, partEntryName, SUMMARY_ENTRY } from './archive-layout';
import { ArchiveManifest, ArchiveSummary, manifestProblem, ManifestTable, TableSummary } from './archive-manifest';
import { CopyContentMeter } from './copy-content-meter';

/** One table's COPY text (`COPY ... TO STDOUT`, text format). `name` is `schema.table`, in manifest order. */
export interface TableInput {
  name: string;
  data: Readable;
}

export interface ArchiveStreamOptions {
  /** Largest tar entry a table's data is cut into; one part at a time is held in memory. */
  partSize?: number;
}

/**
 * Up to about four parts are alive at once (filling, queued in the tar, being compressed, awaiting GC): 2 MiB parts
 * kept the peak RSS of a 1 GiB backup near 200 MB where 8 MiB parts reached 220-254 MB, at the same throughput
 * (docs/BENCHMARKS.md). 999,999 parts still allow 1.9 TiB per table or dump.
 */
export const DEFAULT_PART_SIZE = 2 * 1024 * 1024;
/** Keeps a part well inside one Buffer and the 8 GiB a ustar size field can express. */
const MAX_PART_SIZE = 1024 * 1024 * 1024;

/**
 * The plaintext of a tenant backup as a tar stream. Pull-based: table streams are read only as
 * fast as `stream` is consumed. `summary` resolves once every table has been read and the summary
 * entry queued; it rejects, and `stream` is destroyed, with the first error of a table stream, of
 * the `tables` iterator, or of an input that does not match the manifest.
 */
export function createArchiveStream(
  manifest: ArchiveManifest,
  tables: AsyncIterable<TableInput>,
  options: ArchiveStreamOptions = {},
): { stream: Readable; summary: Promise<ArchiveSummary> } {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isSafeInteger(partSize) || partSize < 1 || partSize > MAX_PART_SIZE) {
    throw new ArchiveError('ARCHIVE.INVALID_INPUT', `partSize must be an integer from 1 to ${MAX_PART_SIZE}`);
  }
  const problem = manifestProblem(manifest);
  if (problem) throw new ArchiveError('ARCHIVE.INVALID_INPUT', `Invalid manifest: ${problem}`);

  const pack = tar.pack();
  const stream = Readable.from(pack, { objectMode: false });
  const writer = new ArchiveWriter(pack, manifest, partSize);
  // A consumer that goes away (failed upload) must not leave a COPY running on the source database.
  stream.once('close', () => writer.stop());

  const summary = writer.write(tables).catch((err: unknown) => {
    stream.destroy(err as Error);
    throw err;
  });
  // Callers may watch only the stream, which carries the same error.
  summary.catch(() => undefined);
  return { stream, summary };
}

class ArchiveWriter {
  private readonly mtime: Date;
  private current: Readable | undefined;

  constructor(
    private readonly pack: tar.Pack,
    private readonly manifest: ArchiveManifest,
    private readonly partSize: number,
  ) {
    // Same inputs, same bytes: entries carry the backup's time, not the wall clock.
    this.mtime = new Date(manifest.createdAt);
  }

  async write(tables: AsyncIterable<TableInput>): Promise<ArchiveSummary> {
    await this.entry(MANIFEST_ENTRY, json(this.manifest));
    const summary: ArchiveSummary = { tables: {}, totalRows: 0, totalBytes: 0 };
    let index = 0;
    for await (const input of tables) {
      const table = this.manifest.tables[index];
      this.current = input.data;
      // Leaving the iteration early (the consumer went away) destroys the stream with an AbortError, which would be an
      // 'error' event nobody listens to and end the process; its errors reach us through the iteration anyway.
      input.data.on('error', () => undefined);
      try {
        if (!table || input.name !== table.name) {
          throw new ArchiveError('ARCHIVE.INVALID_INPUT', `Table ${index + 1} is ${input.name}; the manifest lists ${table?.name ?? 'no more tables'}`, {
            table: input.name,
          });
        }
        const measured = await this.writeTable(table, input.data);
        summary.tables[table.name] = measured;
        summary.totalRows += measured.rows;
        summary.totalBytes += measured.bytes;
      } catch (err) {
        input.data.destroy();
        throw err;
      } finally {
        this.current = undefined;
      }
      index++;
    }
    if (index < this.manifest.tables.length) {
      throw new ArchiveError('ARCHIVE.INVALID_INPUT', `The tables ended after ${index} of the ${this.manifest.tables.length} in the manifest`);
    }
    await this.entry(SUMMARY_ENTRY, json(summary));
    this.pack.finalize();
    return summary;
  }

  /** Ends the read of the current table stream; its iteration then fails and the write stops. */
  stop(): void {
    this.current?.destroy();
  }

  /**
   * Copies the stream into one preallocated part buffer and emits it as an entry when full.
   * Cuts fall anywhere, mid-row included: a reader concatenates the parts.
   */
  private async writeTable(table: ManifestTable, data: Readable): Promise<TableSummary> {
    const meter = new CopyContentMeter();
    let part: Buffer | undefined;
    let filled = 0;
    let parts = 0;

    const flush = async () => {
      if (++parts > MAX_PARTS_PER_TABLE) {
        throw new ArchiveError('ARCHIVE.INVALID_INPUT', `${table.name} needs more than ${MAX_PARTS_PER_TABLE} parts of ${this.partSize} bytes; raise partSize`, {
          table: table.name,
        });
      }
      const body = part ? part.subarray(0, filled) : Buffer.alloc(0);
      // A fresh buffer per part: the previous one may still sit, unread, in the consumer's queue.
      part = undefined;
      filled = 0;
      meter.update(body);
      await this.entry(partEntryName(table.file, parts), body);
    };

    for await (const chunk of data as AsyncIterable<Buffer | Uint8Array | string>) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      for (let offset = 0; offset < bytes.length; ) {
        part ??= Buffer.allocUnsafe(this.partSize);
        const copied = bytes.copy(part, filled, offset);
        filled += copied;
        offset += copied;
        if (filled === this.partSize) await flush();
      }
    }
    // Every table has at least one part, so an empty table is still visible in the tar.
    if (filled > 0 || parts === 0) await flush();
    return meter.result();
  }

  /**
   * Resolves once the pack has taken the body and its queue is below its high-water mark again,
   * i.e. when the consumer has pulled the previous data: this is what bounds read-ahead.
   */
  private entry(name: string, body: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const sink = this.pack.entry({ name, size: body.length, mode: 0o644, mtime: this.mtime, type: 'file' }, body, (err) => (err ? reject(err) : resolve()));
      // A pack destroyed under it (the upload failed) destroys the entry with that error; the callback reports it.
      sink.on('error', () => undefined);
    });
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}
