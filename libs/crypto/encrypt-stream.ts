import { createHash, randomBytes } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { ChunkCipher, MAX_CHUNK_INDEX } from './chunked-cipher';
import { contextLabel, KeyContext } from './key-context';
import { deriveKek, KEY_LENGTH, SALT_LENGTH, TAG_LENGTH, WRAP_NONCE_LENGTH, wrapDataKey } from './key-derivation';
import { KeyRing, secretFor } from './key-ring';
import {
  DEFAULT_CHUNK_SIZE,
  encodeHeader,
  isValidChunkSize,
  isValidCompressionLabel,
  MAX_CHUNK_SIZE,
  NONCE_PREFIX_LENGTH,
} from './envelope-header';

export interface EncryptOptions {
  /** Plaintext bytes per chunk (default 64 KiB); recorded in the header. */
  chunkSize?: number;
  /** Label of how the plaintext is compressed (default "gzip"); recorded, not applied, here. */
  compression?: string;
}

/**
 * Seals a plaintext stream under the ring's active key: header, then chunks of `chunkSize` plaintext bytes,
 * then a final chunk of fewer than `chunkSize` bytes (possibly none). Memory is one chunk whatever the size.
 */
export function createEncryptStream(ring: KeyRing, ctx: KeyContext, options: EncryptOptions = {}): Transform {
  return new EncryptStream(ring, ctx, options);
}

class EncryptStream extends Transform {
  private header: Buffer | null;
  private readonly cipher: ChunkCipher;
  private readonly chunkSize: number;
  /** Input that does not yet fill a chunk. Reused: the cipher copies what it reads. */
  private readonly pending: Buffer;
  private pendingLength = 0;
  private index = 0;

  constructor(ring: KeyRing, ctx: KeyContext, options: EncryptOptions) {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const compression = options.compression ?? 'gzip';
    if (!isValidChunkSize(chunkSize)) throw new RangeError(`chunkSize must be an integer in 1..${MAX_CHUNK_SIZE}`);
    if (!isValidCompressionLabel(compression)) throw new RangeError('compression must be a short label such as "gzip"');
    // Let a whole sealed chunk sit in the readable buffer before back-pressure applies.
    super({ readableHighWaterMark: chunkSize + TAG_LENGTH, writableHighWaterMark: chunkSize });

    const context = contextLabel(ctx);
    const keyId = ring.activeKeyId;
    const secret = secretFor(ring, keyId);
    if (!secret) throw new TypeError('key ring has no active secret');

    const dataKey = randomBytes(KEY_LENGTH);
    const salt = randomBytes(SALT_LENGTH);
    const wrapNonce = randomBytes(WRAP_NONCE_LENGTH);
    const noncePrefix = randomBytes(NONCE_PREFIX_LENGTH);
    const kek = deriveKek(secret, salt, context);
    const wrappedKey = wrapDataKey(kek, wrapNonce, context, dataKey);
    kek.fill(0);

    this.header = encodeHeader({ keyId, context, salt, wrapNonce, wrappedKey, noncePrefix, chunkSize, compression });
    this.cipher = new ChunkCipher(dataKey, noncePrefix, createHash('sha256').update(this.header).digest());
    dataKey.fill(0); // the cipher holds its own KeyObject copy
    this.chunkSize = chunkSize;
    this.pending = Buffer.allocUnsafe(chunkSize);
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.pushHeader();
      const { chunkSize } = this;
      let offset = 0;
      if (this.pendingLength > 0) {
        offset = Math.min(chunkSize - this.pendingLength, data.length);
        data.copy(this.pending, this.pendingLength, 0, offset);
        this.pendingLength += offset;
        if (this.pendingLength < chunkSize) return callback();
        this.sealChunk(this.pending, false);
        this.pendingLength = 0;
      }
      // Whole chunks straight from the caller's buffer, without copying them first.
      while (data.length - offset >= chunkSize) {
        this.sealChunk(data.subarray(offset, offset + chunkSize), false);
        offset += chunkSize;
      }
      if (offset < data.length) {
        data.copy(this.pending, 0, offset);
        this.pendingLength = data.length - offset;
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.pushHeader();
      // Always shorter than chunkSize (a full buffer was sealed above), so a reader knows the final chunk by its length.
      this.sealChunk(this.pending.subarray(0, this.pendingLength), true);
      this.pendingLength = 0;
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private pushHeader(): void {
    if (this.header) {
      this.push(this.header);
      this.header = null;
    }
  }

  private sealChunk(plaintext: Buffer, last: boolean): void {
    if (this.index > MAX_CHUNK_INDEX) throw new RangeError('stream too long for one envelope (2^32 chunks)');
    const [ciphertext, tag] = this.cipher.seal(this.index++, last, plaintext);
    if (ciphertext.length > 0) this.push(ciphertext);
    this.push(tag);
  }
}
