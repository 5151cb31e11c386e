import { pipeline, Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { createDecryptStream, createEncryptStream, KeyContext, KeyRing } from '../crypto';
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

/**
 * plaintext → gzip → encrypt, measuring each stage (SPEC §4: compress, then encrypt). `stats()` is valid once
 * the returned stream has ended.
 */
export function sealStream(plaintext: Readable, ring: KeyRing, context: KeyContext, options: { gzipLevel?: number } = {}): { stream: Readable; stats(): SealedStats } {
  const raw = new ByteCounter();
  const compressed = new ByteCounter();
  const stored = new ByteCounter();
  const hash = new Sha256Meter();
  const stream = chain(plaintext, raw, createGzip({ level: options.gzipLevel ?? 6 }), compressed, createEncryptStream(ring, context, { compression: COMPRESSION }), stored, hash);
  return { stream, stats: () => ({ rawBytes: raw.bytes, compressedBytes: compressed.bytes, storedBytes: stored.bytes, sha256: hash.digest() }) };
}

/**
 * stored object → decrypt → gunzip. With `expectedContext` an object of another tenant is refused before any
 * data flows. `storedSha256()` is the hash of the bytes read, valid once the returned stream has ended.
 */
export function unsealStream(stored: Readable, ring: KeyRing, expectedContext?: KeyContext): { stream: Readable; storedSha256(): string } {
  const hash = new Sha256Meter();
  const stream = chain(stored, hash, createDecryptStream(ring, expectedContext), createGunzip());
  return { stream, storedSha256: () => hash.digest() };
}
