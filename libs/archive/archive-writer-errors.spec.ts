import { Readable } from 'node:stream';
import { ArchiveError } from './archive.errors';
import { collect, copyText, tableInputs, testManifest } from './archive.spec-helpers';
import { createArchiveStream, TableInput } from './archive-writer';

describe('writing a tenant archive that fails', () => {
  const manifest = testManifest(['public.a', 'public.b']);

  it('destroys the tar stream with the error of a table stream', async () => {
    const failure = new Error('COPY failed: connection reset');
    async function* tables(): AsyncGenerator<TableInput> {
      yield { name: 'public.a', data: Readable.from([copyText(10)]) };
      yield {
        name: 'public.b',
        data: Readable.from(
          (async function* () {
            yield copyText(10);
            throw failure;
          })(),
        ),
      };
    }
    const { stream, summary } = createArchiveStream(manifest, tables(), { partSize: 64 });

    await expect(collect(stream)).rejects.toBe(failure);
    await expect(summary).rejects.toBe(failure);
  });

  it('destroys the tar stream with the error of the tables iterator', async () => {
    const failure = new Error('tenant export closed');
    async function* tables(): AsyncGenerator<TableInput> {
      yield { name: 'public.a', data: Readable.from([copyText(10)]) };
      throw failure;
    }
    const { stream, summary } = createArchiveStream(manifest, tables());

    await expect(collect(stream)).rejects.toBe(failure);
    await expect(summary).rejects.toBe(failure);
  });

  it('refuses a table the manifest does not list at that position, and releases its stream', async () => {
    const stray = Readable.from([copyText(1)]);
    async function* tables(): AsyncGenerator<TableInput> {
      yield { name: 'public.b', data: stray };
    }
    const { stream, summary } = createArchiveStream(manifest, tables());

    const error = await collect(stream).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error).toMatchObject({ code: 'ARCHIVE.INVALID_INPUT', table: 'public.b' });
    await expect(summary).rejects.toBe(error);
    expect(stray.destroyed).toBe(true);
  });

  it('refuses fewer tables than the manifest lists', async () => {
    const { stream } = createArchiveStream(manifest, tableInputs({ 'public.a': copyText(1) }));
    await expect(collect(stream)).rejects.toMatchObject({ code: 'ARCHIVE.INVALID_INPUT', message: expect.stringContaining('after 1 of the 2') });
  });

  it('refuses more tables than the manifest lists', async () => {
    const { stream } = createArchiveStream(manifest, tableInputs({ 'public.a': copyText(1), 'public.b': copyText(1), 'public.c': copyText(1) }));
    await expect(collect(stream)).rejects.toMatchObject({ code: 'ARCHIVE.INVALID_INPUT', table: 'public.c' });
  });

  it('refuses a manifest whose table directories do not follow the layout, and a bad partSize, before reading anything', () => {
    const moved = testManifest(['public.a']);
    moved.tables[0].file = '../etc/';
    expect(() => createArchiveStream(moved, tableInputs({}))).toThrow(expect.objectContaining({ code: 'ARCHIVE.INVALID_INPUT' }));
    expect(() => createArchiveStream(manifest, tableInputs({}), { partSize: 0 })).toThrow(expect.objectContaining({ code: 'ARCHIVE.INVALID_INPUT' }));
  });
});
