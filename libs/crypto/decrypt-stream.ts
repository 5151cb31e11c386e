import { Transform, TransformCallback } from 'node:stream';
import { ChunkCipher, MAX_CHUNK_INDEX } from './chunked-cipher';
import { CryptoError } from './crypto.errors';
import { openEnvelopeHeader } from './envelope-opening';
import { contextLabel, KeyContext } from './key-context';
import { TAG_LENGTH } from './key-derivation';
import { KeyRing } from './key-ring';
import { parsePreamble, PREAMBLE_LENGTH, publicHeader, startsLikeMagic } from './envelope-header';

/**
 * Opens a sealed stream. The header is checked (context, key id, unwrap) before anything is emitted, and
 * each chunk's plaintext is emitted only after its tag verifies; so on error the output is an authentic
 * prefix of the plaintext and the consumer must discard it. Emits 'header' (EnvelopeHeader) once parsed.
 */
export function createDecryptStream(ring: KeyRing, expectedContext?: KeyContext): Transform {
  return new DecryptStream(ring, expectedContext === undefined ? undefined : contextLabel(expectedContext));
}

class DecryptStream extends Transform {
  /** Header bytes collected so far; headers are small, so a concat here is fine. */
  private headerParts: Buffer[] = [];
  private headerLength = 0;
  private headerTotal = PREAMBLE_LENGTH;
  private version = 0;

  private cipher: ChunkCipher | null = null;
  private recordSize = 0;
  /** A record (ciphertext || tag) not yet complete. Reused: the decipher copies what it reads. */
  private pending = Buffer.alloc(0);
  private pendingLength = 0;
  private index = 0;

  constructor(
    private readonly ring: KeyRing,
    private readonly expectedContext: string | undefined,
  ) {
    super({ readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let offset = 0;
      if (!this.cipher) {
        offset = this.takeHeaderBytes(data);
        if (!this.cipher) return callback();
      }
      this.takeRecords(data, offset);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.cipher) {
        const seen = Buffer.concat(this.headerParts);
        if (seen.length === 0 || !startsLikeMagic(seen)) {
          throw new CryptoError('CRYPTO.BAD_HEADER', 'not a TenantVault backup object (input ends before a header)');
        }
        throw new CryptoError('CRYPTO.TRUNCATED', `truncated: the object ends inside its header, after ${seen.length} bytes`);
      }
      // A full-size record was already opened as non-final; the final chunk is always shorter.
      if (this.pendingLength < TAG_LENGTH) {
        throw new CryptoError(
          'CRYPTO.TRUNCATED',
          `truncated: the object ends at byte ${this.offsetOf(this.index) + this.pendingLength} without its final chunk (after ${this.index} complete chunks)`,
        );
      }
      this.openRecord(this.pending.subarray(0, this.pendingLength), true);
      this.pendingLength = 0;
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  /** Consumes header bytes from `data`; returns how many it used. Sets up the cipher once the header is complete. */
  private takeHeaderBytes(data: Buffer): number {
    let used = 0;
    while (!this.cipher && used < data.length) {
      const n = Math.min(this.headerTotal - this.headerLength, data.length - used);
      // Copied: the writer may reuse its buffer once this write completes.
      this.headerParts.push(Buffer.from(data.subarray(used, used + n)));
      this.headerLength += n;
      used += n;
      if (this.headerLength < this.headerTotal) break;
      const header = Buffer.concat(this.headerParts);
      this.headerParts = [header];
      if (this.headerTotal === PREAMBLE_LENGTH) {
        const { version, jsonLength } = parsePreamble(header);
        this.version = version;
        this.headerTotal = PREAMBLE_LENGTH + jsonLength;
      } else {
        this.headerParts = [];
        this.openHeader(header);
      }
    }
    // Fail fast on something that is not ours rather than waiting for the whole preamble.
    if (this.headerTotal === PREAMBLE_LENGTH && !startsLikeMagic(Buffer.concat(this.headerParts))) {
      throw new CryptoError('CRYPTO.BAD_HEADER', 'not a TenantVault backup object (magic "TVBK" missing)');
    }
    return used;
  }

  private openHeader(headerBytes: Buffer): void {
    const { fields, cipher, recordSize } = openEnvelopeHeader(this.ring, this.version, headerBytes, this.expectedContext);
    this.cipher = cipher;
    this.recordSize = recordSize;
    this.pending = Buffer.allocUnsafe(this.recordSize);
    this.emit('header', publicHeader(fields));
  }

  private takeRecords(data: Buffer, offset: number): void {
    const { recordSize } = this;
    if (this.pendingLength > 0) {
      const take = Math.min(recordSize - this.pendingLength, data.length - offset);
      data.copy(this.pending, this.pendingLength, offset, offset + take);
      this.pendingLength += take;
      offset += take;
      if (this.pendingLength < recordSize) return;
      this.openRecord(this.pending, false);
      this.pendingLength = 0;
    }
    // Whole records straight from the caller's buffer. A full-size record is never the final one.
    while (data.length - offset >= recordSize) {
      this.openRecord(data.subarray(offset, offset + recordSize), false);
      offset += recordSize;
    }
    if (offset < data.length) {
      data.copy(this.pending, 0, offset);
      this.pendingLength = data.length - offset;
    }
  }

  private openRecord(record: Buffer, last: boolean): void {
    const index = this.index;
    const split = record.length - TAG_LENGTH;
    const plaintext =
      index > MAX_CHUNK_INDEX ? null : this.cipher!.open(index, last, record.subarray(0, split), record.subarray(split));
    if (!plaintext) {
      const start = this.offsetOf(index);
      const why = last
        ? 'the object was modified, truncated inside a chunk, or has data appended after its final chunk'
        : 'the object was modified, or chunks were reordered or dropped';
      throw new CryptoError(
        'CRYPTO.TAMPERED',
        `chunk ${index} (object bytes ${start}..${start + record.length - 1}) failed authentication: ${why}`,
      );
    }
    this.index++;
    if (plaintext.length > 0) this.push(plaintext);
  }

  /** Byte offset in the object where chunk `index` starts. */
  private offsetOf(index: number): number {
    return this.headerTotal + index * this.recordSize;
  }
}
