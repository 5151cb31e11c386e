/** Envelope encryption of backup objects: see docs/FORMAT.md, "Encryption envelope". */
export { CryptoError } from './crypto.errors';
export type { CryptoErrorCode } from './crypto.errors';
export { contextLabel } from './key-context';
export type { KeyContext } from './key-context';
export { KeyRing, keyIdOf } from './key-ring';
export { DEFAULT_CHUNK_SIZE } from './envelope-header';
export type { EnvelopeHeader } from './envelope-header';
export { createEncryptStream } from './encrypt-stream';
export type { EncryptOptions } from './encrypt-stream';
export { createDecryptStream } from './decrypt-stream';
export { openSealedObject } from './decrypt-range';
export type { SealedObject, SealedObjectReader } from './decrypt-range';
