import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { collect } from './archive.spec-helpers';
import { ByteCounter, Sha256Meter } from './stream-meters';

describe('stream meters', () => {
  const data = Buffer.from('1\tacme\n'.repeat(10_000));
  const chunks = Array.from({ length: 70 }, (_, i) => data.subarray(i * 1000, (i + 1) * 1000));

  it('measure each stage of a pipeline while passing bytes through unchanged', async () => {
    const raw = new ByteCounter();
    const compressed = new ByteCounter();
    const stored = new Sha256Meter();
    const out: Buffer[] = [];

    await pipeline(Readable.from(chunks), raw, createGzip(), compressed, stored, async (source: AsyncIterable<Buffer>) => {
      out.push(await collect(source));
    });

    expect(raw.bytes).toBe(data.length);
    expect(compressed.bytes).toBe(out[0].length);
    expect(compressed.bytes).toBeLessThan(raw.bytes);
    expect(stored.digest()).toBe(createHash('sha256').update(out[0]).digest('hex'));
  });

  it('refuses a digest before the end of the stream', () => {
    expect(() => new Sha256Meter().digest()).toThrow(/before the stream ended/);
  });
});
