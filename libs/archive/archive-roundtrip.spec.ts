import { Readable } from 'node:stream';
import { readArchive, readManifest } from './archive-reader';
import { collect, copyText, readWholeArchive, sha256, tarEntries, testManifest, writeArchive } from './archive.spec-helpers';

describe('tenant archive round trip', () => {
  const tables = {
    'public.tenants': copyText(1, 'tenant'),
    'public.empty_before': Buffer.alloc(0),
    'billing.invoices': copyText(5000, 'invoice'),
    'public.empty_after': Buffer.alloc(0),
    'public.notes': Buffer.from('1\tunicode ✓ \\r\\n and \\\\ backslash\n'),
  };

  it('gives back every table byte for byte, empty ones included, between manifest and summary', async () => {
    const { tar } = await writeArchive(tables, 4096);
    const kinds: string[] = [];
    for await (const entry of readArchive(Readable.from([tar]))) {
      kinds.push(entry.kind === 'table' ? `table:${entry.index}:${entry.name}` : entry.kind);
      if (entry.kind === 'table') await expect(collect(entry.data)).resolves.toEqual(Object.values(tables)[entry.index]);
    }
    expect(kinds).toEqual([
      'manifest',
      'table:0:public.tenants',
      'table:1:public.empty_before',
      'table:2:billing.invoices',
      'table:3:public.empty_after',
      'table:4:public.notes',
      'summary',
    ]);
  });

  it('restores the manifest as written', async () => {
    const { tar } = await writeArchive(tables);
    const { manifest } = await readWholeArchive(tar);
    expect(manifest).toEqual(testManifest(Object.keys(tables)));
  });

  it('records rows as newline count, bytes and sha256 per table, and totals', async () => {
    const { tar, summary } = await writeArchive(tables, 4096);
    expect(summary.tables['billing.invoices']).toEqual({ rows: 5000, bytes: tables['billing.invoices'].length, sha256: sha256(tables['billing.invoices']) });
    expect(summary.tables['public.empty_before']).toEqual({ rows: 0, bytes: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(summary.tables['public.notes'].rows).toBe(1);
    expect(summary.totalRows).toBe(5002);
    expect(summary.totalBytes).toBe(Object.values(tables).reduce((sum, data) => sum + data.length, 0));
    expect((await readWholeArchive(tar)).summary).toEqual(summary);
  });

  it('lays entries out as manifest, numbered parts per table, summary', async () => {
    const { tar } = await writeArchive({ 'public.a': copyText(3), 'public.b': Buffer.alloc(0) });
    expect((await tarEntries(tar)).map((entry) => entry.name)).toEqual([
      'manifest.json',
      'data/0001-public.a/000001.copy',
      'data/0002-public.b/000001.copy',
      'summary.json',
    ]);
  });

  describe('part boundaries', () => {
    const partSize = 1000;
    const cases: [string, number, number[]][] = [
      ['empty', 0, [0]],
      ['one byte', 1, [1]],
      ['partSize - 1', partSize - 1, [partSize - 1]],
      ['exactly partSize', partSize, [partSize]],
      ['partSize + 1', partSize + 1, [partSize, 1]],
      ['exactly three parts', 3 * partSize, [partSize, partSize, partSize]],
      ['three parts and a bit', 3 * partSize + 17, [partSize, partSize, partSize, 17]],
    ];

    it.each(cases)('%s: %d bytes are cut into parts of sizes %j that concatenate back', async (_label, size, partSizes) => {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = i % 50 === 49 ? 0x0a : 0x61 + (i % 26);
      // Chunks of 333 bytes so that chunk and part boundaries never line up.
      const { tar, summary } = await writeArchive({ 'public.t': data }, partSize, 333);

      const parts = (await tarEntries(tar)).filter((entry) => entry.name.startsWith('data/'));
      expect(parts.map((part) => part.body.length)).toEqual(partSizes);
      expect(parts.map((part) => part.name)).toEqual(partSizes.map((_, i) => `data/0001-public.t/${String(i + 1).padStart(6, '0')}.copy`));
      expect(Buffer.concat(parts.map((part) => part.body))).toEqual(data);
      expect(summary.tables['public.t']).toEqual({ rows: Math.floor(size / 50), bytes: size, sha256: sha256(data) });
      expect((await readWholeArchive(tar)).tables['public.t']).toEqual(data);
    });
  });

  it('cuts mid-row when a part fills up; the reader still gives back whole rows', async () => {
    const data = copyText(100);
    const { tar } = await writeArchive({ 'public.t': data }, 7);
    const parts = (await tarEntries(tar)).filter((entry) => entry.name.startsWith('data/'));
    expect(parts.length).toBe(Math.ceil(data.length / 7));
    expect((await readWholeArchive(tar)).tables['public.t']).toEqual(data);
  });

  it('writes the same bytes for the same input', async () => {
    const first = await writeArchive(tables, 4096);
    const second = await writeArchive(tables, 4096);
    expect(first.tar.equals(second.tar)).toBe(true);
  });

  it('reads and verifies a table whose data the consumer skipped', async () => {
    const { tar } = await writeArchive(tables, 4096);
    const kinds: string[] = [];
    for await (const entry of readArchive(Readable.from([tar]))) kinds.push(entry.kind);
    expect(kinds).toEqual(['manifest', 'table', 'table', 'table', 'table', 'table', 'summary']);
  });

  it('holds an archive of no tables: manifest, then summary', async () => {
    const { tar, summary } = await writeArchive({});
    expect((await tarEntries(tar)).map((entry) => entry.name)).toEqual(['manifest.json', 'summary.json']);
    expect(summary).toEqual({ tables: {}, totalRows: 0, totalBytes: 0 });
    expect((await readWholeArchive(tar)).summary).toEqual(summary);
  });

  it('leaving the loop early releases the source and fails the unread table data rather than ending it', async () => {
    const { tar } = await writeArchive({ 'public.a': copyText(20000), 'public.b': copyText(5) }, 4096);
    const source = Readable.from([tar]);
    let data: Readable | undefined;
    for await (const entry of readArchive(source)) {
      if (entry.kind === 'table') {
        data = entry.data;
        await new Promise((resolve) => data?.once('data', resolve));
        break;
      }
    }
    expect(source.destroyed).toBe(true);
    expect(data?.readableEnded).toBe(false);
    expect(data?.errored).toBeInstanceOf(Error);
  });

  it('readManifest reads the first entry only and destroys the source', async () => {
    const { tar } = await writeArchive({ 'public.big': copyText(20000) }, 4096);
    const chunks = [];
    for (let at = 0; at < tar.length; at += 512) chunks.push(tar.subarray(at, at + 512));
    let pulled = 0;
    const source = Readable.from(
      (function* () {
        for (const chunk of chunks) {
          pulled++;
          yield chunk;
        }
      })(),
      { highWaterMark: 1 },
    );

    const manifest = await readManifest(source);

    expect(manifest.tables.map((table) => table.name)).toEqual(['public.big']);
    expect(source.destroyed).toBe(true);
    expect(pulled).toBeLessThan(chunks.length / 2);
  });
});
