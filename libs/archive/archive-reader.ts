import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Entry } from 'tar-stream';
import { ArchiveError } from './archive.errors';
import { MANIFEST_ENTRY, partEntryName, SUMMARY_ENTRY } from './archive-layout';
import { ArchiveManifest, ArchiveSummary, manifestProblem, ManifestTable, summaryProblem, TableSummary } from './archive-manifest';
import { CopyContentMeter } from './copy-content-meter';
import { TarEntryReader } from './tar-entry-reader';

export type ArchiveEntry =
  | { kind: 'manifest'; manifest: ArchiveManifest }
  /** `index` is the table's 0-based position in manifest.tables; `data` its COPY text, to read to the end before asking for the next entry. */
  | { kind: 'table'; name: string; index: number; data: Readable }
  | { kind: 'summary'; summary: ArchiveSummary };

/** manifest.json and summary.json are read whole; a larger entry is not one of ours. */
const MAX_JSON_ENTRY_BYTES = 64 * 1024 * 1024;

/**
 * Reads a tenant archive in order: manifest, each table's data, summary. Counts are only
 * known at the end, so table data is handed out unverified: the summary entry is yielded only
 * after every table matched it (ARCHIVE.CONTENT_MISMATCH otherwise) and nothing follows it.
 * A restore should therefore commit only once it has received the summary.
 * A table whose data the consumer left unread is read (and verified) when the next entry is requested.
 */
export async function* readArchive(tar: Readable): AsyncGenerator<ArchiveEntry, void, undefined> {
  const entries = new TarEntryReader(tar);
  let data: Readable | undefined;
  try {
    const manifest = await readJsonEntry<ArchiveManifest>(entries, MANIFEST_ENTRY, manifestProblem);
    yield { kind: 'manifest', manifest };

    const measured: TableSummary[] = [];
    for (const [index, table] of manifest.tables.entries()) {
      const meter = new CopyContentMeter();
      data = Readable.from(tableParts(entries, table, meter), { objectMode: false });
      // Its errors also surface from this iterator (readToEnd), so a stream nobody listens to must not crash the process.
      data.on('error', () => undefined);
      yield { kind: 'table', name: table.name, index, data };
      await readToEnd(data, table.name);
      measured.push(meter.result());
    }

    const summary = await readJsonEntry<ArchiveSummary>(entries, SUMMARY_ENTRY, summaryProblem);
    const trailing = await entries.peek();
    if (trailing) throw malformed(`Unexpected entry ${trailing.header.name} after ${SUMMARY_ENTRY}`);
    verifySummary(manifest.tables, measured, summary);
    yield { kind: 'summary', summary };
  } finally {
    if (data && !data.readableEnded) data.destroy(new Error('The archive was closed before this table was read to its end'));
    entries.close();
  }
}

/** Reads only manifest.json, then destroys `tar`. */
export async function readManifest(tar: Readable): Promise<ArchiveManifest> {
  const archive = readArchive(tar);
  try {
    const first = await archive.next();
    if (first.done || first.value.kind !== 'manifest') throw malformed(`${MANIFEST_ENTRY} is missing`);
    return first.value.manifest;
  } finally {
    await archive.return();
  }
}

/** A table's parts, concatenated, counted and hashed on the way through. */
async function* tableParts(entries: TarEntryReader, table: ManifestTable, meter: CopyContentMeter): AsyncGenerator<Buffer> {
  for (let part = 1; ; part++) {
    const expected = partEntryName(table.file, part);
    const entry = await entries.peek();
    if (entry?.header.name !== expected) {
      if (part === 1) throw malformed(`Expected ${expected}, found ${describe(entry)}`);
      return;
    }
    await entries.take();
    assertRegularFile(entry);
    for await (const chunk of entries.body(entry)) {
      meter.update(chunk);
      yield chunk;
    }
  }
}

async function readToEnd(data: Readable, table: string): Promise<void> {
  if (data.readableFlowing === null) data.resume();
  try {
    await finished(data);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    throw new Error(`The data of ${table} was destroyed before its end; the archive cannot be read further`, { cause: err });
  }
}

/** The next entry, which must be `name`, parsed and checked by `problemOf`. */
async function readJsonEntry<T>(entries: TarEntryReader, name: string, problemOf: (value: unknown) => string | null): Promise<T> {
  const entry = await entries.take();
  if (!entry) {
    throw malformed(name === SUMMARY_ENTRY ? `The archive is truncated: ${name} is missing` : `Not a tenant archive: ${name} is missing`);
  }
  if (entry.header.name !== name) throw malformed(`Expected ${name}, found ${describe(entry)}`);
  assertRegularFile(entry);
  if ((entry.header.size ?? 0) > MAX_JSON_ENTRY_BYTES) throw malformed(`${name} is larger than ${MAX_JSON_ENTRY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  for await (const chunk of entries.body(entry)) chunks.push(chunk);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new ArchiveError('ARCHIVE.MALFORMED', `${name} is not valid JSON`, { cause: err });
  }
  const problem = problemOf(value);
  if (problem) throw malformed(`Invalid ${name}: ${problem}`);
  return value as T;
}

function verifySummary(tables: ManifestTable[], measured: TableSummary[], summary: ArchiveSummary): void {
  const listed = new Set(tables.map((table) => table.name));
  const unknown = Object.keys(summary.tables).find((name) => !listed.has(name));
  if (unknown) throw malformed(`${SUMMARY_ENTRY} lists ${unknown}, which the manifest does not`);

  tables.forEach((table, i) => {
    const recorded = Object.hasOwn(summary.tables, table.name) ? summary.tables[table.name] : undefined;
    if (!recorded) throw mismatch(table.name, `${SUMMARY_ENTRY} has no entry for ${table.name}`);
    for (const field of ['bytes', 'rows', 'sha256'] as const) {
      if (recorded[field] !== measured[i][field]) {
        throw mismatch(table.name, `${table.name}: ${field} is ${measured[i][field]} but ${SUMMARY_ENTRY} recorded ${recorded[field]}`);
      }
    }
  });

  const totalRows = measured.reduce((sum, table) => sum + table.rows, 0);
  const totalBytes = measured.reduce((sum, table) => sum + table.bytes, 0);
  if (summary.totalRows !== totalRows || summary.totalBytes !== totalBytes) {
    throw new ArchiveError('ARCHIVE.CONTENT_MISMATCH', `The archive holds ${totalRows} rows in ${totalBytes} bytes; ${SUMMARY_ENTRY} recorded ${summary.totalRows} in ${summary.totalBytes}`);
  }
}

function assertRegularFile(entry: Entry): void {
  if (entry.header.type !== 'file') throw malformed(`${entry.header.name} is a ${entry.header.type}, not a regular file`);
}

function describe(entry: Entry | null): string {
  return entry ? entry.header.name : 'the end of the archive';
}

function malformed(message: string): ArchiveError {
  return new ArchiveError('ARCHIVE.MALFORMED', message);
}

function mismatch(table: string, message: string): ArchiveError {
  return new ArchiveError('ARCHIVE.CONTENT_MISMATCH', message, { table });
}
