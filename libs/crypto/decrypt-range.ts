import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import { ChunkCipher } from './chunked-cipher';
import { CryptoError } from './crypto.errors';
import { EnvelopeHeader, parsePreamble, PREAMBLE_LENGTH, publicHeader } from './envelope-header';
import { openEnvelopeHeader } from './envelope-opening';
import { contextLabel, KeyContext } from './key-context';
import { TAG_LENGTH } from './key-derivation';
import { KeyRing } from './key-ring';

/** Bytes `start` to `end` (both inclusive) of a sealed object: a ranged storage read, a file slice. */
export type SealedObjectReader = (start: number, end: number) => Promise<Readable>;

/** A sealed object opened for random access (docs/FORMAT.md, "Chunks"). */
export interface SealedObject {
  header: EnvelopeHeader;
  /** Plaintext bytes, from the object's size and its chunk size alone: nothing is decrypted to know it. */
  plaintextSize: number;
  /**
   * Plaintext bytes `start` to `end` (both inclusive). Only the chunks that hold them are read, and each is
   * authenticated before any of its bytes is emitted; on error the output so far must be discarded.
   */
  range(start: number, end: number): Promise<Readable>;
}

/** Where each chunk sits: every record is `recordSize` bytes, but the final one, which is `finalRecordSize`. */
interface ChunkLayout {
  cipher: ChunkCipher;
  chunkSize: number;
  headerLength: number;
  recordSize: number;
  finalIndex: number;
  finalRecordSize: number;
}

/**
 * Opens a sealed object of `objectSize` bytes through `read`: the header is read and checked (context, key id,
 * unwrap) at once, so a foreign or damaged object fails here, before a caller promises anything to its client.
 */
export async function openSealedObject(ring: KeyRing, read: SealedObjectReader, objectSize: number, expectedContext?: KeyContext): Promise<SealedObject> {
  if (!Number.isSafeInteger(objectSize) || objectSize < 0) throw new RangeError(`objectSize must be an integer >= 0, got ${objectSize}`);
  if (objectSize < PREAMBLE_LENGTH) throw new CryptoError('CRYPTO.TRUNCATED', `truncated: the object is ${objectSize} bytes, shorter than a header`);
  const preamble = await readExactly(read, 0, PREAMBLE_LENGTH);
  const { version, jsonLength } = parsePreamble(preamble);
  const headerLength = PREAMBLE_LENGTH + jsonLength;
  if (objectSize < headerLength + TAG_LENGTH) throw new CryptoError('CRYPTO.TRUNCATED', `truncated: the object is ${objectSize} bytes and ends before its final chunk`);
  const headerBytes = Buffer.concat([preamble, await readExactly(read, PREAMBLE_LENGTH, jsonLength)]);
  const opened = openEnvelopeHeader(ring, version, headerBytes, expectedContext === undefined ? undefined : contextLabel(expectedContext));

  // Every record but the last is full; the last holds 0..chunkSize-1 bytes and its tag, so it is 16..recordSize-1 long.
  const body = objectSize - headerLength;
  const finalIndex = Math.floor(body / opened.recordSize);
  const finalRecordSize = body - finalIndex * opened.recordSize;
  if (finalRecordSize < TAG_LENGTH) throw new CryptoError('CRYPTO.TRUNCATED', `truncated: the object ends at byte ${objectSize} without its final chunk`);
  const plaintextSize = body - (finalIndex + 1) * TAG_LENGTH;
  const layout: ChunkLayout = { cipher: opened.cipher, chunkSize: opened.fields.chunkSize, headerLength, recordSize: opened.recordSize, finalIndex, finalRecordSize };

  return {
    header: publicHeader(opened.fields),
    plaintextSize,
    async range(start: number, end: number): Promise<Readable> {
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= plaintextSize) {
        throw new RangeError(`plaintext range ${start}-${end} is outside 0-${plaintextSize - 1}`);
      }
      const first = Math.floor(start / layout.chunkSize);
      const last = Math.floor(end / layout.chunkSize);
      const from = headerLength + first * layout.recordSize;
      const to = Math.min(objectSize, headerLength + (last + 1) * layout.recordSize) - 1;
      const records = await read(from, to);
      // pipeline destroys both with the cause when either fails, and stops the read when the consumer goes away.
      return pipeline(records, new ChunkRangeStream(layout, first, last, start - first * layout.chunkSize, end - start + 1), () => undefined);
    },
  };
}

/** Opens records `first`..`last` in order and emits `take` plaintext bytes, starting `skip` bytes into the first chunk. */
class ChunkRangeStream extends Transform {
  private readonly pending: Buffer;
  private pendingLength = 0;
  private index: number;

  constructor(
    private readonly layout: ChunkLayout,
    first: number,
    private readonly last: number,
    private skip: number,
    private remaining: number,
  ) {
    super({ readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    this.index = first;
    this.pending = Buffer.allocUnsafe(layout.recordSize);
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let offset = 0;
      while (offset < data.length) {
        if (this.index > this.last) throw this.tampered('the read returned more bytes than the requested chunks');
        const size = this.recordSizeOf(this.index);
        if (this.pendingLength === 0 && data.length - offset >= size) {
          this.openRecord(data.subarray(offset, offset + size));
          offset += size;
          continue;
        }
        const take = Math.min(size - this.pendingLength, data.length - offset);
        data.copy(this.pending, this.pendingLength, offset, offset + take);
        this.pendingLength += take;
        offset += take;
        if (this.pendingLength === size) {
          this.openRecord(this.pending.subarray(0, size));
          this.pendingLength = 0;
        }
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.index <= this.last) {
      const at = this.layout.headerLength + this.index * this.layout.recordSize + this.pendingLength;
      return callback(new CryptoError('CRYPTO.TRUNCATED', `truncated: the object ends at byte ${at}, inside chunk ${this.index}`));
    }
    callback();
  }

  private recordSizeOf(index: number): number {
    return index === this.layout.finalIndex ? this.layout.finalRecordSize : this.layout.recordSize;
  }

  private openRecord(record: Buffer): void {
    const split = record.length - TAG_LENGTH;
    const final = this.index === this.layout.finalIndex;
    const plaintext = this.layout.cipher.open(this.index, final, record.subarray(0, split), record.subarray(split));
    if (!plaintext) throw this.tampered(final ? 'the object was modified or truncated inside its final chunk' : 'the object was modified, or chunks were reordered or dropped');
    this.index++;
    const out = plaintext.subarray(this.skip, this.skip + this.remaining);
    this.skip = 0;
    this.remaining -= out.length;
    if (out.length > 0) this.push(out);
  }

  private tampered(why: string): CryptoError {
    const start = this.layout.headerLength + this.index * this.layout.recordSize;
    return new CryptoError('CRYPTO.TAMPERED', `chunk ${this.index} (object bytes from ${start}) failed authentication: ${why}`);
  }
}

/** Exactly `length` bytes from `start`, or CRYPTO.TRUNCATED. Only for the header: a few hundred bytes. */
async function readExactly(read: SealedObjectReader, start: number, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of await read(start, start + length - 1)) {
    chunks.push(chunk as Buffer);
    got += (chunk as Buffer).length;
  }
  if (got < length) throw new CryptoError('CRYPTO.TRUNCATED', `truncated: the object ends inside its header, after ${start + got} bytes`);
  return Buffer.concat(chunks).subarray(0, length);
}
