import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { CryptoError } from './crypto.errors';

export const KEK_INFO_PREFIX = 'tenantvault/v1/kek/';
export const WRAP_AAD_PREFIX = 'tenantvault/v1/wrap/';
export const KEY_LENGTH = 32;
export const SALT_LENGTH = 32;
export const WRAP_NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
export const WRAPPED_KEY_LENGTH = KEY_LENGTH + TAG_LENGTH;

/**
 * KEK = HKDF-SHA256(ikm = platform secret, salt = per-backup salt, info = "tenantvault/v1/kek/" + context).
 * The context in `info` makes each tenant's KEK independent, so a header moved to another tenant cannot unwrap.
 */
export function deriveKek(secret: Buffer, salt: Buffer, context: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, Buffer.from(KEK_INFO_PREFIX + context, 'utf8'), KEY_LENGTH));
}

/** AES-256-GCM(KEK, wrapNonce, AAD = "tenantvault/v1/wrap/" + context) over the data key: ciphertext(32) || tag(16). */
export function wrapDataKey(kek: Buffer, wrapNonce: Buffer, context: string, dataKey: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', kek, wrapNonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(WRAP_AAD_PREFIX + context, 'utf8'));
  return Buffer.concat([cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
}

export function unwrapDataKey(kek: Buffer, wrapNonce: Buffer, context: string, wrappedKey: Buffer, keyId: string): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, wrapNonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(Buffer.from(WRAP_AAD_PREFIX + context, 'utf8'));
    decipher.setAuthTag(wrappedKey.subarray(KEY_LENGTH));
    return Buffer.concat([decipher.update(wrappedKey.subarray(0, KEY_LENGTH)), decipher.final()]);
  } catch {
    throw new CryptoError(
      'CRYPTO.UNWRAP_FAILED',
      `the data key could not be unwrapped with key ${keyId} for context "${context}": the configured secret with this id is not the one that sealed the object, or the header was edited`,
    );
  }
}
