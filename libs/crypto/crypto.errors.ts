/**
 * Stable codes for everything that can go wrong when sealing or opening a backup.
 * Callers (restore, CLI decrypt) branch on `code`; messages are for humans and never carry key material.
 */
export type CryptoErrorCode =
  /** Not a TenantVault object, unsupported format version, or a malformed header. */
  | 'CRYPTO.BAD_HEADER'
  /** The object was sealed with a key id that is not configured. */
  | 'CRYPTO.KEY_NOT_FOUND'
  /** The object belongs to another tenant (or to the platform) than the caller expected. */
  | 'CRYPTO.CONTEXT_MISMATCH'
  /** The data key could not be unwrapped: wrong secret for this key id, or an edited header. */
  | 'CRYPTO.UNWRAP_FAILED'
  /** A chunk failed authentication (modified, reordered, or data appended after the end). */
  | 'CRYPTO.TAMPERED'
  /** The object ends before its final chunk. */
  | 'CRYPTO.TRUNCATED'
  /** A configured secret is not 32 bytes of base64. Raised at configuration time, never by a stream. */
  | 'CRYPTO.INVALID_SECRET';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';

  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
