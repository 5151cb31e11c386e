import { createHash } from 'node:crypto';
import { ChunkCipher } from './chunked-cipher';
import { CryptoError } from './crypto.errors';
import { EnvelopeHeaderFields, parseHeaderJson, PREAMBLE_LENGTH } from './envelope-header';
import { deriveKek, TAG_LENGTH, unwrapDataKey } from './key-derivation';
import { KeyRing, secretFor } from './key-ring';

/** A header checked and its data key unwrapped: what reading the chunks that follow it needs. */
export interface OpenedEnvelope {
  fields: EnvelopeHeaderFields;
  cipher: ChunkCipher;
  /** Preamble + JSON: where chunk 0 starts in the object. */
  headerLength: number;
  /** chunkSize + tag: the size of every record but the final one. */
  recordSize: number;
}

/**
 * Opens a complete header (preamble + JSON, whose preamble was already checked): the context must be the expected one
 * (when given), the key id configured, the data key must unwrap. Shared by the streaming and the random-access readers.
 */
export function openEnvelopeHeader(ring: KeyRing, version: number, headerBytes: Buffer, expectedContext: string | undefined): OpenedEnvelope {
  const fields = parseHeaderJson(version, headerBytes.subarray(PREAMBLE_LENGTH));
  if (expectedContext !== undefined && fields.context !== expectedContext) {
    throw new CryptoError('CRYPTO.CONTEXT_MISMATCH', `this object belongs to context "${fields.context}", not to the expected "${expectedContext}"`);
  }
  const secret = secretFor(ring, fields.keyId);
  if (!secret) {
    throw new CryptoError(
      'CRYPTO.KEY_NOT_FOUND',
      `this object was sealed with key id ${fields.keyId}, which is not configured (configured key ids: ${ring.keyIds().join(', ')}); add that secret to BACKUP_ENCRYPTION_KEYS_RETIRED`,
    );
  }
  const kek = deriveKek(secret, fields.salt, fields.context);
  const dataKey = unwrapDataKey(kek, fields.wrapNonce, fields.context, fields.wrappedKey, fields.keyId);
  kek.fill(0);
  const cipher = new ChunkCipher(dataKey, fields.noncePrefix, createHash('sha256').update(headerBytes).digest());
  dataKey.fill(0); // the cipher holds its own KeyObject copy
  return { fields, cipher, headerLength: headerBytes.length, recordSize: fields.chunkSize + TAG_LENGTH };
}
