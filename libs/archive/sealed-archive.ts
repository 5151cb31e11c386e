import { PassThrough, pipeline, Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createDecryptStream, createEncryptStream, EnvelopeHeader, KeyContext, KeyRing } from '../crypto';
import { ArchiveError } from './archive.errors';
import { ParallelGzip } from './parallel-gzip';
import { ByteCounter, Sha256Meter } from './stream-meters';

export const COMPRESSION = 'gzip';

export interface SealedStats {
  rawBytes: number;
  compressedBytes: number;
  storedBytes: number;
  /** sha256 of the stored (encrypted) bytes: lets anyone check integrity without keys. */
  sha256: string;
}

/** Chains streams, destroying all of them (and so the returned last one, with the cause) if any fails. */
function chain(...streams: NodeJS.ReadWriteStream[] | [Readable, ...NodeJS.ReadWriteStream[]]): Readable {
  return pipeline(streams as unknown as [Readable, NodeJS.ReadWriteStream], () => undefined) as unknown as Readable;
}

export interface SealOptions {
  /** `gzip` (default), or `none` for plaintext that is compressed already (a zip). Recorded in the envelope header. */
  compression?: 'gzip' | 'none';
  gzipLevel?: number;
  /** Blocks deflated at once in the process (COMPRESSION_THREADS); the machine's cores by default. */
  compressionThreads?: number;
}

/**
 * plaintext → gzip → encrypt, measuring each stage (SPEC §4: compress, then encrypt). gzip runs on several cores and
 * writes one gzip member per block (ParallelGzip). `stats()` is valid once the returned stream has ended; destroying
 * the result stops the plaintext too.
 */
export function sealStream(plaintext: Readable, ring: KeyRing, context: KeyContext, options: SealOptions = {}): { stream: Readable; stats(): SealedStats; compression: string } {
  const compression = options.compression ?? COMPRESSION;
  const raw = new ByteCounter();
  const compressed = new ByteCounter();
  const stored = new ByteCounter();
  const hash = new Sha256Meter();
  const compress = compression === 'gzip' ? [new ParallelGzip({ level: options.gzipLevel, threads: options.compressionThreads })] : [];
  const stream = chain(plaintext, raw, ...compress, compressed, createEncryptStream(ring, context, { compression }), stored, hash);
  return { stream, compression, stats: () => ({ rawBytes: raw.bytes, compressedBytes: compressed.bytes, storedBytes: stored.bytes, sha256: hash.digest() }) };
}

/**
 * stored object → decrypt → decompress as the envelope's header says (`gzip`, one member or several, or `none` for
 * objects sealed without compression). With `expectedContext` an object of another tenant is refused before any data flows.
 * `storedSha256()` is the hash of the bytes read, valid once the returned stream has ended.
 */
export function unsealStream(stored: Readable, ring: KeyRing, expectedContext?: KeyContext): { stream: Readable; storedSha256(): string } {
  const hash = new Sha256Meter();
  const decrypted = chain(stored, hash, createDecryptStream(ring, expectedContext));
  const out = new PassThrough();
  let connected = false;
  // The header comes before any plaintext, so the decompressor is in place before the first byte reaches it.
  decrypted.once('header', (header: EnvelopeHeader) => {
    let decompress: Transform;
    try {
      decompress = decompressorFor(header.compression);
    } catch (error) {
      decrypted.destroy(error as Error);
      return;
    }
    connected = true;
    pipeline(decrypted, decompress, out, (error) => error && out.destroy(error));
  });
  decrypted.once('error', (error) => out.destroy(error));
  out.once('close', () => connected || decrypted.destroy());
  return { stream: out, storedSha256: () => hash.digest() };
}

function decompressorFor(compression: string): Transform {
  if (compression === 'gzip') return createGunzip();
  if (compression === 'none') return new PassThrough();
  throw new ArchiveError('ARCHIVE.MALFORMED', `the object says its plaintext is compressed with "${compression}", which this version cannot read`);
}
