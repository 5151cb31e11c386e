import { PassThrough, Readable } from 'node:stream';
import { ArchiveError } from './archive.errors';
import { readArchive, readManifest } from './archive-reader';
import { copyText, packTar, RawEntry, readWholeArchive, tarEntries, writeArchive } from './archive.spec-helpers';

describe('reading a damaged or foreign archive', () => {
  const tables = { 'public.accounts': copyText(50, 'account'), 'public.orders': copyText(400, 'order') };
  let tar: Buffer;

  beforeAll(async () => {
    ({ tar } = await writeArchive(tables, 4096));
  });

  async function readError(bytes: Buffer): Promise<ArchiveError> {
    const error = await readWholeArchive(bytes).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ArchiveError);
    return error as ArchiveError;
  }

  async function rewritten(edit: (entries: RawEntry[]) => RawEntry[]): Promise<Buffer> {
    return packTar(edit(await tarEntries(tar)));
  }

  describe('content changed inside a valid tar', () => {
    it('a changed byte in a table is a CONTENT_MISMATCH naming that table', async () => {
      const damaged = Buffer.from(tar);
      const at = damaged.indexOf('order 123\\n');
      damaged[at] = 'O'.charCodeAt(0);

      const error = await readError(damaged);
      expect(error.code).toBe('ARCHIVE.CONTENT_MISMATCH');
      expect(error.table).toBe('public.orders');
      expect(error.message).toContain('public.orders: sha256');
    });

    it('a tab turned into a newline changes the row count', async () => {
      const damaged = Buffer.from(tar);
      damaged[damaged.indexOf('\taccount 7\\n')] = 0x0a;

      const error = await readError(damaged);
      expect(error).toMatchObject({ code: 'ARCHIVE.CONTENT_MISMATCH', table: 'public.accounts' });
      expect(error.message).toContain('rows is 51');
    });

    it('a dropped last part is a CONTENT_MISMATCH of its table', async () => {
      const damaged = await rewritten((entries) => {
        const parts = entries.filter((entry) => entry.name.startsWith('data/0002-'));
        return entries.filter((entry) => entry !== parts[parts.length - 1]);
      });
      expect(await readError(damaged)).toMatchObject({ code: 'ARCHIVE.CONTENT_MISMATCH', table: 'public.orders' });
    });

    it('a summary edited to match nothing is a CONTENT_MISMATCH', async () => {
      const damaged = await rewritten((entries) =>
        entries.map((entry) => {
          if (entry.name !== 'summary.json') return entry;
          const summary = JSON.parse(entry.body.toString());
          summary.tables['public.accounts'].rows = 49;
          return { name: entry.name, body: Buffer.from(JSON.stringify(summary)) };
        }),
      );
      expect(await readError(damaged)).toMatchObject({ code: 'ARCHIVE.CONTENT_MISMATCH', table: 'public.accounts' });
    });
  });

  describe('structure', () => {
    it('a missing summary (truncated archive) is MALFORMED', async () => {
      const damaged = await rewritten((entries) => entries.filter((entry) => entry.name !== 'summary.json'));
      const error = await readError(damaged);
      expect(error.code).toBe('ARCHIVE.MALFORMED');
      expect(error.message).toContain('truncated');
    });

    it('a stream cut in the middle of a part is MALFORMED', async () => {
      const error = await readError(tar.subarray(0, Math.floor(tar.length / 2)));
      expect(error.code).toBe('ARCHIVE.MALFORMED');
    });

    it('a missing manifest is MALFORMED', async () => {
      const damaged = await rewritten((entries) => entries.filter((entry) => entry.name !== 'manifest.json'));
      expect(await readError(damaged)).toMatchObject({ code: 'ARCHIVE.MALFORMED', message: expect.stringContaining('manifest.json') });
    });

    it('a dropped middle part is MALFORMED: the parts after it no longer follow on', async () => {
      const damaged = await rewritten((entries) => entries.filter((entry) => entry.name !== 'data/0002-public.orders/000002.copy'));
      expect(await readError(damaged)).toMatchObject({ code: 'ARCHIVE.MALFORMED', message: expect.stringContaining('000003.copy') });
    });

    it('tables out of manifest order are MALFORMED', async () => {
      const damaged = await rewritten((entries) => [
        entries[0],
        ...entries.filter((entry) => entry.name.startsWith('data/0002-')),
        ...entries.filter((entry) => entry.name.startsWith('data/0001-')),
        entries[entries.length - 1],
      ]);
      expect(await readError(damaged)).toMatchObject({ code: 'ARCHIVE.MALFORMED' });
    });

    it('an unexpected entry is MALFORMED', async () => {
      const damaged = await rewritten((entries) => [...entries.slice(0, 2), { name: 'data/evil.sh', body: Buffer.from('x') }, ...entries.slice(2)]);
      expect(await readError(damaged)).toMatchObject({ code: 'ARCHIVE.MALFORMED', message: expect.stringContaining('data/evil.sh') });
    });

    it('an entry after the summary is MALFORMED', async () => {
      const damaged = await rewritten((entries) => [...entries, { name: 'extra.txt', body: Buffer.from('x') }]);
      expect(await readError(damaged)).toMatchObject({ code: 'ARCHIVE.MALFORMED', message: expect.stringContaining('extra.txt') });
    });

    it('a manifest of another format version is MALFORMED', async () => {
      const damaged = await rewritten((entries) =>
        entries.map((entry) => (entry.name === 'manifest.json' ? { name: entry.name, body: Buffer.from(JSON.stringify({ ...JSON.parse(entry.body.toString()), formatVersion: 2 })) } : entry)),
      );
      await expect(readManifest(Readable.from([damaged]))).rejects.toMatchObject({ code: 'ARCHIVE.MALFORMED', message: expect.stringContaining('formatVersion') });
    });

    it('bytes that are not a tar are MALFORMED', async () => {
      await expect(readManifest(Readable.from([Buffer.alloc(2048, 'x')]))).rejects.toMatchObject({ code: 'ARCHIVE.MALFORMED' });
    });
  });

  it('an error of the source stream reaches the reader unchanged', async () => {
    const source = new PassThrough();
    const failure = new Error('download failed');
    // The manifest and the start of the first table arrive, then the download fails.
    source.write(tar.subarray(0, tar.indexOf('1\taccount 1') + 100));
    setTimeout(() => source.destroy(failure), 10);

    const seen: string[] = [];
    const reading = (async () => {
      for await (const entry of readArchive(source)) {
        seen.push(entry.kind);
        if (entry.kind === 'table') await new Promise((resolve, reject) => entry.data.on('error', reject).on('end', resolve).resume());
      }
    })();

    await expect(reading).rejects.toBe(failure);
    expect(seen).toEqual(['manifest', 'table']);
  });
});
