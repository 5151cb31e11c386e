import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import { tableDataDir } from './archive-layout';
import { ArchiveManifest, ArchiveSummary, ManifestTable } from './archive-manifest';
import { readArchive } from './archive-reader';
import { createArchiveStream, TableInput } from './archive-writer';

/** A manifest for tables given as `schema.table` (schema up to the first dot), in archive order. */
export function testManifest(names: string[], overrides: Partial<ArchiveManifest> = {}): ArchiveManifest {
  const tables: ManifestTable[] = names.map((name, i) => {
    const dot = name.indexOf('.');
    const [schema, table] = [name.slice(0, dot), name.slice(dot + 1)];
    return {
      name,
      schema,
      table,
      columns: [{ name: 'id', type: 'integer', nullable: false, hasDefault: false, generated: false, identity: null }],
      copyColumns: ['id'],
      primaryKey: ['id'],
      foreignKeys: [],
      scope: { kind: 'tenant-column', column: 'tenant_id' },
      sequences: [],
      file: tableDataDir(i + 1, schema, table),
    };
  });
  return {
    formatVersion: 1,
    kind: 'tenant',
    tenantId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    backupId: '0b8f6a3e-3c1d-4e5f-9a7b-2c4d6e8f0a1b',
    createdAt: '2024-05-01T02:00:00.000Z',
    source: { serverVersion: '16.3', database: 'platform' },
    tables,
    globalTables: ['public.plans'],
    ...overrides,
  };
}

/** COPY text of `rows` rows, with an escaped newline and tab inside values as PostgreSQL writes them. */
export function copyText(rows: number, label = 'row'): Buffer {
  let text = '';
  for (let i = 1; i <= rows; i++) text += `${i}\t${label} ${i}\\nsecond line\\tafter tab\t\\N\n`;
  return Buffer.from(text);
}

/** Table inputs whose data streams deliver each buffer in chunks of `chunkSize` bytes. */
export async function* tableInputs(tables: Record<string, Buffer>, chunkSize = 1000): AsyncGenerator<TableInput> {
  for (const [name, data] of Object.entries(tables)) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += chunkSize) chunks.push(data.subarray(at, at + chunkSize));
    yield { name, data: Readable.from(chunks) };
  }
}

export async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Writes an archive of these tables (in this order) and returns the tar bytes and the writer's summary. */
export async function writeArchive(tables: Record<string, Buffer>, partSize?: number, chunkSize?: number): Promise<{ tar: Buffer; summary: ArchiveSummary }> {
  const { stream, summary } = createArchiveStream(testManifest(Object.keys(tables)), tableInputs(tables, chunkSize), { partSize });
  const tar = await collect(stream);
  return { tar, summary: await summary };
}

/** Everything readArchive yields, table data collected. */
export async function readWholeArchive(tar: Buffer): Promise<{ manifest?: ArchiveManifest; tables: Record<string, Buffer>; summary?: ArchiveSummary }> {
  const result: { manifest?: ArchiveManifest; tables: Record<string, Buffer>; summary?: ArchiveSummary } = { tables: {} };
  for await (const entry of readArchive(Readable.from([tar]))) {
    if (entry.kind === 'manifest') result.manifest = entry.manifest;
    if (entry.kind === 'table') result.tables[entry.name] = await collect(entry.data);
    if (entry.kind === 'summary') result.summary = entry.summary;
  }
  return result;
}

export interface RawEntry {
  name: string;
  body: Buffer;
}

/** The entries of a tar, bodies in memory (test archives are small). */
export async function tarEntries(tar: Buffer): Promise<RawEntry[]> {
  const entries: RawEntry[] = [];
  const extract = tarStream.extract();
  Readable.from([tar]).pipe(extract);
  for await (const entry of extract) entries.push({ name: entry.header.name, body: await collect(entry) });
  return entries;
}

/** A well-formed tar of exactly these entries: structural tampering that a tar reader accepts. */
export async function packTar(entries: RawEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const { name, body } of entries) pack.entry({ name }, body);
  pack.finalize();
  return collect(pack);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
