import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { ArchiveError } from './archive.errors';
import { MAX_CONFIG_FILE_BYTES } from './disaster-config-bundle';
import {
  DISASTER_MANIFEST_ENTRY,
  DisasterConfigFile,
  DisasterManifest,
  disasterManifestProblem,
  DUMP_SUMMARY_ENTRY,
  DumpSummary,
  dumpPartName,
  dumpSummaryProblem,
  MAX_DUMP_PARTS,
} from './disaster-manifest';
import { TarEntryReader } from './tar-entry-reader';

/** Keeps a part well inside one Buffer and what a ustar size field can express. */
const MAX_PART_SIZE = 1024 * 1024 * 1024;
/** The two JSON documents are small (999 config files list in well under this); a larger entry is not one of ours. */
const MAX_JSON_ENTRY_BYTES = 1024 * 1024;

export interface DisasterArchiveInput {
  manifest: DisasterManifest;
  /** The bytes of each `manifest.configFiles` entry, in the same order. */
  configData: Buffer[];
  /** pg_dump's stdout: read as fast as the archive is consumed; its error fails the archive. */
  dump: Readable;
  /** Called with the dump bytes read so far, once per part. */
  onDumpBytes?: (bytes: number) => void;
}

/**
 * The plaintext of a disaster backup as a tar stream: manifest, configuration files, the pg_dump stream cut into
 * parts of `manifest.dump.partSize` bytes (a tar header needs the size up front), then the dump's size and sha256.
 * `summary` resolves once the dump has been read; it rejects, and `stream` is destroyed, with the dump's error.
 */
export function createDisasterArchiveStream(input: DisasterArchiveInput): { stream: Readable; summary: Promise<DumpSummary> } {
  const { manifest, configData } = input;
  const problem = disasterManifestProblem(manifest);
  if (problem) throw new ArchiveError('ARCHIVE.INVALID_INPUT', `Invalid disaster manifest: ${problem}`);
  const partSize = manifest.dump.partSize;
  if (!Number.isSafeInteger(partSize) || partSize < 1 || partSize > MAX_PART_SIZE) {
    throw new ArchiveError('ARCHIVE.INVALID_INPUT', `dump.partSize must be an integer from 1 to ${MAX_PART_SIZE}`);
  }
  if (configData.length !== manifest.configFiles.length || manifest.configFiles.some((f, i) => f.bytes !== configData[i].length || f.sha256 !== sha256(configData[i]))) {
    throw new ArchiveError('ARCHIVE.INVALID_INPUT', 'configData does not match manifest.configFiles');
  }

  const pack = tar.pack();
  const stream = Readable.from(pack, { objectMode: false });
  // A consumer that goes away (failed upload) must not leave pg_dump running.
  stream.once('close', () => input.dump.destroy());
  // Its errors reach the writer through the iteration; leaving that early destroys it with an AbortError, which must
  // not become an 'error' event nobody listens to (that would end the process).
  input.dump.on('error', () => undefined);
  const mtime = new Date(manifest.createdAt);
  const entry = (name: string, body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      // Resolves once the consumer has pulled enough: this is what bounds read-ahead.
      const sink = pack.entry({ name, size: body.length, mode: 0o600, mtime, type: 'file' }, body, (err) => (err ? reject(err) : resolve()));
      sink.on('error', () => undefined); // a destroyed pack destroys the entry too; the callback reports it
    });

  const write = async (): Promise<DumpSummary> => {
    await entry(DISASTER_MANIFEST_ENTRY, json(manifest));
    for (const [i, file] of manifest.configFiles.entries()) await entry(file.entry, configData[i]);
    const summary = await writeDumpParts(input.dump, partSize, entry, input.onDumpBytes);
    await entry(DUMP_SUMMARY_ENTRY, json(summary));
    pack.finalize();
    return summary;
  };
  const summary = write().catch((err: unknown) => {
    input.dump.destroy();
    stream.destroy(err as Error);
    throw err;
  });
  summary.catch(() => undefined); // callers may watch only the stream, which carries the same error
  return { stream, summary };
}

/** Copies the dump into one preallocated part at a time; at least one part, so an empty dump is still visible. */
async function writeDumpParts(dump: Readable, partSize: number, entry: (name: string, body: Buffer) => Promise<void>, onBytes?: (bytes: number) => void): Promise<DumpSummary> {
  const hash = createHash('sha256');
  let bytes = 0;
  let parts = 0;
  let part: Buffer | undefined;
  let filled = 0;
  const flush = async () => {
    if (++parts > MAX_DUMP_PARTS) throw new ArchiveError('ARCHIVE.INVALID_INPUT', `the dump needs more than ${MAX_DUMP_PARTS} parts of ${partSize} bytes`);
    const body = part ? part.subarray(0, filled) : Buffer.alloc(0);
    part = undefined; // a fresh buffer per part: the previous one may still sit unread in the consumer's queue
    filled = 0;
    hash.update(body);
    bytes += body.length;
    await entry(dumpPartName(parts), body);
    onBytes?.(bytes);
  };
  for await (const chunk of dump as AsyncIterable<Buffer>) {
    for (let offset = 0; offset < chunk.length; ) {
      part ??= Buffer.allocUnsafe(partSize);
      const copied = chunk.copy(part, filled, offset);
      filled += copied;
      offset += copied;
      if (filled === partSize) await flush();
    }
  }
  if (filled > 0 || parts === 0) await flush();
  return { bytes, sha256: hash.digest('hex'), parts };
}

export type DisasterArchiveEntry =
  | { kind: 'manifest'; manifest: DisasterManifest }
  /** Already checked against the manifest's size and sha256. */
  | { kind: 'config'; file: DisasterConfigFile; data: Buffer }
  /** The pg_dump stream (parts concatenated): read it to the end before asking for the next entry. */
  | { kind: 'dump'; data: Readable }
  /** Yielded only once the dump matched it and nothing follows it. */
  | { kind: 'summary'; summary: DumpSummary };

/** Reads a disaster archive in order, checking each configuration file as it comes and the dump at the end. */
export async function* readDisasterArchive(source: Readable): AsyncGenerator<DisasterArchiveEntry, void, undefined> {
  const entries = new TarEntryReader(source);
  let data: Readable | undefined;
  try {
    const manifest = await readJsonEntry<DisasterManifest>(entries, DISASTER_MANIFEST_ENTRY, disasterManifestProblem);
    // Config files are read whole: one claiming more than a bundle may hold (the write side's cap) is refused before a byte of it is read.
    const oversized = manifest.configFiles.find((f) => f.bytes > MAX_CONFIG_FILE_BYTES);
    if (oversized) throw malformed(`${oversized.entry} claims ${oversized.bytes} bytes; a configuration file is at most ${MAX_CONFIG_FILE_BYTES}`);
    yield { kind: 'manifest', manifest };

    for (const file of manifest.configFiles) yield { kind: 'config', file, data: await readConfigEntry(entries, file) };

    const hash = createHash('sha256');
    const measured = { bytes: 0, parts: 0 };
    data = Readable.from(dumpParts(entries, hash, measured), { objectMode: false });
    data.on('error', () => undefined); // its errors also surface from this iterator
    yield { kind: 'dump', data };
    await readToEnd(data);

    const summary = await readJsonEntry<DumpSummary>(entries, DUMP_SUMMARY_ENTRY, dumpSummaryProblem);
    const trailing = await entries.peek();
    if (trailing) throw malformed(`Unexpected entry ${trailing.header.name} after ${DUMP_SUMMARY_ENTRY}`);
    const sha = hash.digest('hex');
    if (summary.bytes !== measured.bytes || summary.parts !== measured.parts || summary.sha256 !== sha) {
      throw new ArchiveError('ARCHIVE.CONTENT_MISMATCH', `The dump holds ${measured.bytes} bytes in ${measured.parts} parts (sha256 ${sha}); ${DUMP_SUMMARY_ENTRY} recorded ${summary.bytes} in ${summary.parts} (${summary.sha256})`);
    }
    yield { kind: 'summary', summary };
  } finally {
    if (data && !data.readableEnded) data.destroy(new Error('The archive was closed before the dump was read to its end'));
    entries.close();
  }
}

/** Reads the whole archive, checking every configuration file and the dump's size and hash. */
export async function verifyDisasterArchive(source: Readable): Promise<{ manifest: DisasterManifest; summary: DumpSummary }> {
  let manifest: DisasterManifest | undefined;
  for await (const entry of readDisasterArchive(source)) {
    if (entry.kind === 'manifest') manifest = entry.manifest;
    if (entry.kind === 'dump') for await (const _ of entry.data); // hashed by the reader
    if (entry.kind === 'summary') return { manifest: manifest!, summary: entry.summary };
  }
  throw malformed(`${DUMP_SUMMARY_ENTRY} is missing`);
}

/** The manifest and configuration files only; the source is closed before the dump is downloaded. */
export async function readDisasterConfig(source: Readable): Promise<{ manifest: DisasterManifest; files: { file: DisasterConfigFile; data: Buffer }[] }> {
  const archive = readDisasterArchive(source);
  try {
    const first = await archive.next();
    if (first.done || first.value.kind !== 'manifest') throw malformed(`${DISASTER_MANIFEST_ENTRY} is missing`);
    const files: { file: DisasterConfigFile; data: Buffer }[] = [];
    for (let i = 0; i < first.value.manifest.configFiles.length; i++) {
      const next = await archive.next();
      if (next.done || next.value.kind !== 'config') throw malformed('configuration files are missing');
      files.push({ file: next.value.file, data: next.value.data });
    }
    return { manifest: first.value.manifest, files };
  } finally {
    await archive.return();
  }
}

async function readConfigEntry(entries: TarEntryReader, file: DisasterConfigFile): Promise<Buffer> {
  const entry = await entries.take();
  if (entry?.header.name !== file.entry) throw malformed(`Expected ${file.entry}, found ${entry ? entry.header.name : 'the end of the archive'}`);
  assertRegularFile(entry);
  if (entry.header.size !== file.bytes) throw mismatch(`${file.entry} is ${entry.header.size} bytes; the manifest says ${file.bytes}`);
  const data = await readBody(entries, entry, MAX_CONFIG_FILE_BYTES);
  if (sha256(data) !== file.sha256) throw mismatch(`${file.entry} does not match the sha256 in the manifest`);
  return data;
}

async function* dumpParts(entries: TarEntryReader, hash: ReturnType<typeof createHash>, measured: { bytes: number; parts: number }): AsyncGenerator<Buffer> {
  for (let part = 1; ; part++) {
    const entry = await entries.peek();
    if (entry?.header.name !== dumpPartName(part)) {
      if (part === 1) throw malformed(`Expected ${dumpPartName(1)}, found ${entry ? entry.header.name : 'the end of the archive'}`);
      return;
    }
    await entries.take();
    assertRegularFile(entry);
    measured.parts = part;
    for await (const chunk of entries.body(entry)) {
      hash.update(chunk);
      measured.bytes += chunk.length;
      yield chunk;
    }
  }
}

async function readJsonEntry<T>(entries: TarEntryReader, name: string, problemOf: (value: unknown) => string | null): Promise<T> {
  const entry = await entries.take();
  if (!entry) throw malformed(name === DUMP_SUMMARY_ENTRY ? `The archive is truncated: ${name} is missing` : `Not a disaster archive: ${name} is missing`);
  if (entry.header.name !== name) throw malformed(`Expected ${name}, found ${entry.header.name}`);
  assertRegularFile(entry);
  if ((entry.header.size ?? 0) > MAX_JSON_ENTRY_BYTES) throw malformed(`${name} is larger than ${MAX_JSON_ENTRY_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse((await readBody(entries, entry, MAX_JSON_ENTRY_BYTES)).toString('utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw new ArchiveError('ARCHIVE.MALFORMED', `${name} is not valid JSON`, { cause: err });
    throw err;
  }
  const problem = problemOf(value);
  if (problem) throw malformed(`Invalid ${name}: ${problem}`);
  return value as T;
}

/** An entry's bytes, never more than `limit` of them whatever its header claims: the reader stops at the first byte over. */
async function readBody(entries: TarEntryReader, entry: tar.Entry, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entries.body(entry)) {
    size += chunk.length;
    if (size > limit) throw malformed(`${entry.header.name} is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readToEnd(data: Readable): Promise<void> {
  if (data.readableFlowing === null) data.resume();
  try {
    await finished(data);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    throw new Error('The dump was destroyed before its end; the archive cannot be read further', { cause: err });
  }
}

function assertRegularFile(entry: tar.Entry): void {
  if (entry.header.type !== 'file') throw malformed(`${entry.header.name} is a ${entry.header.type}, not a regular file`);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

function malformed(message: string): ArchiveError {
  return new ArchiveError('ARCHIVE.MALFORMED', message);
}

function mismatch(message: string): ArchiveError {
  return new ArchiveError('ARCHIVE.CONTENT_MISMATCH', message);
}
