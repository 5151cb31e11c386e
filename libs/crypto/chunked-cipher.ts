import { createCipheriv, createDecipheriv, createSecretKey, KeyObject } from 'node:crypto';
import { NONCE_PREFIX_LENGTH } from './envelope-header';
import { TAG_LENGTH } from './key-derivation';

/** Chunk indexes are a uint32 in the nonce; a counter that wrapped would reuse nonces. */
export const MAX_CHUNK_INDEX = 0xffffffff;

/**
 * AES-256-GCM over one chunk, STREAM style: nonce = prefix(7) || uint32BE(index) || lastFlag(1).
 * The index stops reordering and dropping; the last flag stops truncation at a chunk boundary and
 * appending; the AAD (SHA-256 of the header bytes) ties every chunk to its header.
 */
export class ChunkCipher {
  private readonly key: KeyObject;
  // One nonce buffer rewritten per chunk: createCipheriv copies the IV, so reuse is safe and saves an allocation.
  private readonly nonce = Buffer.alloc(NONCE_PREFIX_LENGTH + 5);

  constructor(
    dataKey: Buffer,
    noncePrefix: Buffer,
    private readonly aad: Buffer,
  ) {
    if (noncePrefix.length !== NONCE_PREFIX_LENGTH) throw new RangeError(`nonce prefix must be ${NONCE_PREFIX_LENGTH} bytes`);
    // A KeyObject is imported once instead of once per chunk.
    this.key = createSecretKey(dataKey);
    noncePrefix.copy(this.nonce, 0);
  }

  /** Returns [ciphertext, tag]; kept apart so the stream can push both without concatenating. */
  seal(index: number, last: boolean, plaintext: Buffer): [Buffer, Buffer] {
    const cipher = createCipheriv('aes-256-gcm', this.key, this.nonceFor(index, last), { authTagLength: TAG_LENGTH });
    cipher.setAAD(this.aad);
    const ciphertext = cipher.update(plaintext);
    cipher.final(); // GCM emits nothing here; it computes the tag.
    return [ciphertext, cipher.getAuthTag()];
  }

  /** The plaintext, or null when the chunk does not authenticate. Nothing is returned before the tag is checked. */
  open(index: number, last: boolean, ciphertext: Buffer, tag: Buffer): Buffer | null {
    const decipher = createDecipheriv('aes-256-gcm', this.key, this.nonceFor(index, last), { authTagLength: TAG_LENGTH });
    decipher.setAAD(this.aad);
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    try {
      decipher.final();
    } catch {
      return null;
    }
    return plaintext;
  }

  private nonceFor(index: number, last: boolean): Buffer {
    if (!Number.isInteger(index) || index < 0 || index > MAX_CHUNK_INDEX) throw new RangeError(`chunk index ${index} out of range`);
    this.nonce.writeUInt32BE(index, NONCE_PREFIX_LENGTH);
    this.nonce[NONCE_PREFIX_LENGTH + 4] = last ? 1 : 0;
    return this.nonce;
  }
}
