import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readArchive } from './archive-reader';
import { testManifest } from './archive.spec-helpers';
import { createArchiveStream, DEFAULT_PART_SIZE, TableInput } from './archive-writer';

/** A COPY-like table of `total` bytes, generated as it is pulled; `produced` is how far it has been read. */
class GeneratedTable extends Readable {
  produced = 0;
  private readonly chunk: Buffer;

  constructor(
    private readonly total: number,
    chunkSize = 16 * 1024,
  ) {
    super({ highWaterMark: chunkSize });
    this.chunk = Buffer.from('42\tsome text value\t2024-05-01 02:00:00+00\n'.repeat(Math.ceil(chunkSize / 40))).subarray(0, chunkSize);
  }

  override _read(): void {
    const size = Math.min(this.chunk.length, this.total - this.produced);
    this.produced += size;
    this.push(size > 0 ? this.chunk.subarray(0, size) : null);
  }
}

async function* one(table: GeneratedTable): AsyncGenerator<TableInput> {
  yield { name: 'public.events', data: table };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('tenant archive back-pressure', () => {
  it('reads a table no further ahead of a slow consumer than a few parts', async () => {
    const partSize = 64 * 1024;
    const table = new GeneratedTable(16 * 1024 * 1024);
    const { stream, summary } = createArchiveStream(testManifest(['public.events']), one(table), { partSize });

    let consumed = 0;
    let maxLead = 0;
    const slowConsumer = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        consumed += chunk.length;
        maxLead = Math.max(maxLead, table.produced - consumed);
        setTimeout(callback, 1);
      },
    });
    await pipeline(stream, slowConsumer);

    expect(table.produced).toBe(16 * 1024 * 1024);
    expect((await summary).tables['public.events'].bytes).toBe(16 * 1024 * 1024);
    // One part being filled, one queued in the tar pack, one in the output stream's buffer.
    expect(maxLead).toBeLessThanOrEqual(4 * partSize);
  });

  it('stops reading a large table while the consumer stalls, and stops the table when the consumer leaves', async () => {
    const table = new GeneratedTable(4 * 1024 * 1024 * 1024, 64 * 1024);
    const { stream, summary } = createArchiveStream(testManifest(['public.events']), one(table));

    let consumed = 0;
    stream.on('data', (chunk: Buffer) => {
      consumed += chunk.length;
      if (consumed > 3 * DEFAULT_PART_SIZE) stream.pause();
    });
    await delay(1000);
    const stalledAt = table.produced;
    await delay(300);

    expect(stream.isPaused()).toBe(true);
    expect(table.produced).toBe(stalledAt);
    expect(table.produced - consumed).toBeLessThanOrEqual(4 * DEFAULT_PART_SIZE);

    stream.destroy();
    await expect(summary).rejects.toThrow();
    expect(table.destroyed).toBe(true);
  });

  it('hands table data to a slow reader without reading the archive ahead', async () => {
    const partSize = 64 * 1024;
    const source = new GeneratedTable(8 * 1024 * 1024);
    const { stream } = createArchiveStream(testManifest(['public.events']), one(source), { partSize });
    let tarRead = 0;
    stream.on('data', (chunk: Buffer) => (tarRead += chunk.length));
    stream.pause();

    let consumed = 0;
    let maxLead = 0;
    for await (const entry of readArchive(stream)) {
      if (entry.kind !== 'table') continue;
      await pipeline(
        entry.data,
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            consumed += chunk.length;
            maxLead = Math.max(maxLead, tarRead - consumed);
            setTimeout(callback, 1);
          },
        }),
      );
    }
    expect(consumed).toBe(8 * 1024 * 1024);
    expect(maxLead).toBeLessThanOrEqual(4 * partSize);
  });
});
