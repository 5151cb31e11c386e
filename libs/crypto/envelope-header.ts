import { CryptoError } from './crypto.errors';
import { isValidContextLabel } from './key-context';
import { SALT_LENGTH, WRAP_NONCE_LENGTH, WRAPPED_KEY_LENGTH } from './key-derivation';

export const MAGIC = Buffer.from('TVBK', 'ascii');
export const FORMAT_VERSION = 1;
/** magic(4) || version(1) || uint32BE JSON length(4) */
export const PREAMBLE_LENGTH = MAGIC.length + 1 + 4;
/** The JSON is a few hundred bytes; the cap keeps a hostile length field from making us buffer gigabytes. */
export const MAX_HEADER_JSON_LENGTH = 64 * 1024;
export const ALG = 'AES-256-GCM';
export const KDF = 'HKDF-SHA256';
export const NONCE_PREFIX_LENGTH = 7;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/** Bounds the decrypt buffer (one chunk) whatever a header claims. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

/** What a reader may learn from a header (no key material, wrapped or not). */
export interface EnvelopeHeader {
  version: number;
  alg: string;
  kdf: string;
  keyId: string;
  context: string;
  chunkSize: number;
  compression: string;
}

export interface EnvelopeHeaderFields extends EnvelopeHeader {
  salt: Buffer;
  wrapNonce: Buffer;
  wrappedKey: Buffer;
  noncePrefix: Buffer;
}

export function isValidChunkSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= MAX_CHUNK_SIZE;
}

export function isValidCompressionLabel(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9._+-]{1,64}$/.test(s);
}

/** The full header bytes (preamble + JSON). Their SHA-256 is the AAD of every chunk. */
export function encodeHeader(fields: Omit<EnvelopeHeaderFields, 'version' | 'alg' | 'kdf'>): Buffer {
  // Field order is fixed for readability of dumps; readers must not depend on it.
  const json = Buffer.from(
    JSON.stringify({
      alg: ALG,
      kdf: KDF,
      keyId: fields.keyId,
      context: fields.context,
      salt: fields.salt.toString('base64'),
      wrapNonce: fields.wrapNonce.toString('base64'),
      wrappedKey: fields.wrappedKey.toString('base64'),
      noncePrefix: fields.noncePrefix.toString('base64'),
      chunkSize: fields.chunkSize,
      compression: fields.compression,
    }),
    'utf8',
  );
  const preamble = Buffer.alloc(PREAMBLE_LENGTH);
  MAGIC.copy(preamble, 0);
  preamble.writeUInt8(FORMAT_VERSION, MAGIC.length);
  preamble.writeUInt32BE(json.length, MAGIC.length + 1);
  return Buffer.concat([preamble, json]);
}

/** Whether the first bytes seen so far can still be the start of a TenantVault object. */
export function startsLikeMagic(bytes: Buffer): boolean {
  const n = Math.min(bytes.length, MAGIC.length);
  return bytes.subarray(0, n).equals(MAGIC.subarray(0, n));
}

/** Reads the fixed preamble; returns the length of the JSON that follows. */
export function parsePreamble(preamble: Buffer): { version: number; jsonLength: number } {
  if (!preamble.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CryptoError('CRYPTO.BAD_HEADER', 'not a TenantVault backup object (magic "TVBK" missing)');
  }
  const version = preamble.readUInt8(MAGIC.length);
  if (version !== FORMAT_VERSION) {
    throw new CryptoError('CRYPTO.BAD_HEADER', `unsupported TenantVault format version ${version} (this build reads version ${FORMAT_VERSION})`);
  }
  const jsonLength = preamble.readUInt32BE(MAGIC.length + 1);
  if (jsonLength < 2 || jsonLength > MAX_HEADER_JSON_LENGTH) {
    throw new CryptoError('CRYPTO.BAD_HEADER', `header length ${jsonLength} is out of range (2..${MAX_HEADER_JSON_LENGTH})`);
  }
  return { version, jsonLength };
}

/** Parses and validates the JSON part. Anything odd is BAD_HEADER; authenticity is checked later through the chunk AAD. */
export function parseHeaderJson(version: number, json: Buffer): EnvelopeHeaderFields {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw new CryptoError('CRYPTO.BAD_HEADER', 'header is not valid UTF-8 JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CryptoError('CRYPTO.BAD_HEADER', 'header JSON is not an object');
  }
  const h = raw as Record<string, unknown>;
  if (h.alg !== ALG) throw bad(`alg must be "${ALG}"`);
  if (h.kdf !== KDF) throw bad(`kdf must be "${KDF}"`);
  if (typeof h.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(h.keyId)) throw bad('keyId must be 16 lowercase hex characters');
  if (!isValidContextLabel(h.context)) throw bad('context must be "platform" or "tenant:<id>"');
  if (!isValidChunkSize(h.chunkSize)) throw bad(`chunkSize must be an integer in 1..${MAX_CHUNK_SIZE}`);
  if (!isValidCompressionLabel(h.compression)) throw bad('compression must be a short label');
  return {
    version,
    alg: h.alg,
    kdf: h.kdf,
    keyId: h.keyId,
    context: h.context,
    chunkSize: h.chunkSize,
    compression: h.compression,
    salt: base64Field(h, 'salt', SALT_LENGTH),
    wrapNonce: base64Field(h, 'wrapNonce', WRAP_NONCE_LENGTH),
    wrappedKey: base64Field(h, 'wrappedKey', WRAPPED_KEY_LENGTH),
    noncePrefix: base64Field(h, 'noncePrefix', NONCE_PREFIX_LENGTH),
  };
}

export function publicHeader(fields: EnvelopeHeaderFields): EnvelopeHeader {
  const { version, alg, kdf, keyId, context, chunkSize, compression } = fields;
  return { version, alg, kdf, keyId, context, chunkSize, compression };
}

function bad(what: string): CryptoError {
  return new CryptoError('CRYPTO.BAD_HEADER', `invalid header: ${what}`);
}

/** Canonical padded base64 only: Buffer.from would otherwise accept stray characters, leaving edits unnoticed here. */
function base64Field(h: Record<string, unknown>, name: string, length: number): Buffer {
  const value = h[name];
  if (typeof value === 'string') {
    const decoded = Buffer.from(value, 'base64');
    if (decoded.length === length && decoded.toString('base64') === value) return decoded;
  }
  throw bad(`${name} must be base64 of ${length} bytes`);
}
