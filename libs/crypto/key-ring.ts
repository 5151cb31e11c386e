import { createHmac } from 'node:crypto';
import { CryptoError } from './crypto.errors';

export const SECRET_LENGTH = 32;
const KEY_ID_MESSAGE = 'tenantvault key id v1';

/**
 * The key id written into each header: a fingerprint that identifies the secret without revealing it
 * (first 16 hex chars of HMAC-SHA256 keyed by the secret over a fixed message).
 */
export function keyIdOf(secret: Buffer): string {
  if (!Buffer.isBuffer(secret) || secret.length !== SECRET_LENGTH) {
    throw new CryptoError('CRYPTO.INVALID_SECRET', `a platform secret must be ${SECRET_LENGTH} bytes`);
  }
  return createHmac('sha256', secret).update(KEY_ID_MESSAGE, 'utf8').digest('hex').slice(0, 16);
}

// Secrets live here rather than on the instance, so that logging or serialising a KeyRing can never print them.
const secretsByRing = new WeakMap<KeyRing, ReadonlyMap<string, Buffer>>();

/**
 * The platform secrets this process knows: one active (encrypts and decrypts) and any number of retired
 * ones (decrypt only), addressed by key id.
 */
export class KeyRing {
  private constructor(
    readonly activeKeyId: string,
    secrets: ReadonlyMap<string, Buffer>,
  ) {
    secretsByRing.set(this, secrets);
  }

  /**
   * `active` is BACKUP_ENCRYPTION_KEY; `retired` the entries of BACKUP_ENCRYPTION_KEYS_RETIRED.
   * Blank retired entries are skipped (so `"".split(",")` is harmless); a retired copy of the active key is ignored.
   */
  static fromBase64(active: string, retired: string[] = []): KeyRing {
    const activeSecret = decodeSecret(active, 'the active key (BACKUP_ENCRYPTION_KEY)');
    const activeKeyId = keyIdOf(activeSecret);
    const secrets = new Map<string, Buffer>([[activeKeyId, activeSecret]]);
    retired.forEach((value, i) => {
      if (typeof value === 'string' && value.trim() === '') return;
      const secret = decodeSecret(value, `retired key #${i + 1} (BACKUP_ENCRYPTION_KEYS_RETIRED)`);
      const keyId = keyIdOf(secret);
      const known = secrets.get(keyId);
      if (known && !known.equals(secret)) {
        // 64-bit fingerprints colliding by chance is not a realistic event, but refuse rather than guess.
        throw new CryptoError('CRYPTO.INVALID_SECRET', `two configured secrets share key id ${keyId}`);
      }
      if (!known) secrets.set(keyId, secret);
    });
    return new KeyRing(activeKeyId, secrets);
  }

  /** Every configured key id, the active one first. */
  keyIds(): string[] {
    return [...secretsOf(this).keys()];
  }

  has(keyId: string): boolean {
    return secretsOf(this).has(keyId);
  }

  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds() };
  }
}

function secretsOf(ring: KeyRing): ReadonlyMap<string, Buffer> {
  const secrets = secretsByRing.get(ring);
  if (!secrets) throw new TypeError('not a KeyRing built by KeyRing.fromBase64');
  return secrets;
}

/** For the streams in this library only (not re-exported from index.ts). */
export function secretFor(ring: KeyRing, keyId: string): Buffer | undefined {
  return secretsOf(ring).get(keyId);
}

/** Strict base64 of exactly 32 bytes. The error names the setting and the problem, never the value. */
function decodeSecret(value: string, what: string): Buffer {
  const expectation = `${what} must be ${SECRET_LENGTH} random bytes in base64, as printed by "openssl rand -base64 32"`;
  if (typeof value !== 'string') {
    throw new CryptoError('CRYPTO.INVALID_SECRET', `${expectation}; it is not a string`);
  }
  const text = value.trim();
  if (text === '') throw new CryptoError('CRYPTO.INVALID_SECRET', `${expectation}; it is empty`);
  // Buffer.from(.., 'base64') silently skips bad characters, so check the alphabet and that the decoding round-trips.
  const decoded = Buffer.from(text, 'base64');
  const canonical = /^[A-Za-z0-9+/]+={0,2}$/.test(text) && decoded.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '');
  if (!canonical) {
    throw new CryptoError('CRYPTO.INVALID_SECRET', `${expectation}; it is not valid base64`);
  }
  if (decoded.length !== SECRET_LENGTH) {
    throw new CryptoError('CRYPTO.INVALID_SECRET', `${expectation}; it decodes to ${decoded.length} bytes`);
  }
  return decoded;
}
