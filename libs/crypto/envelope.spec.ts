import { createHash, randomBytes } from 'node:crypto';
import { createEncryptStream, CryptoError, KeyRing, keyIdOf } from './index';
import {
  layout,
  open,
  OpenResult,
  PLATFORM,
  randomSizes,
  referenceDecrypt,
  seal,
  TENANT_A,
  TENANT_B,
  withHeader,
} from './crypto.spec-helpers';

const CS = 64 * 1024;
const secret = randomBytes(32);
const ring = KeyRing.fromBase64(secret.toString('base64'));

function expectError(result: OpenResult, ...codes: string[]): CryptoError {
  expect(result.error).toBeInstanceOf(CryptoError);
  expect(codes).toContain(result.error!.code);
  return result.error!;
}

/** The object with byte `at` xor-ed with `mask`. */
function flip(sealed: Buffer, at: number, mask = 0x01): Buffer {
  const copy = Buffer.from(sealed);
  copy[at] ^= mask;
  return copy;
}

describe('round trip', () => {
  it.each([0, 1, CS - 1, CS, CS + 1, 2 * CS, 3 * CS + 7])('%i bytes with the default 64 KiB chunks', async (size) => {
    const plaintext = randomBytes(size);
    const sealed = await seal(plaintext, ring, TENANT_A);
    const { output, error, header } = await open(sealed, ring, TENANT_A);
    expect(error).toBeUndefined();
    expect(output.equals(plaintext)).toBe(true);
    expect(header).toEqual({
      version: 1,
      alg: 'AES-256-GCM',
      kdf: 'HKDF-SHA256',
      keyId: ring.activeKeyId,
      context: 'tenant:acme',
      chunkSize: CS,
      compression: 'gzip',
    });
    // Full chunks plus one final chunk that is always shorter (empty when size is a multiple of the chunk size).
    const { headerLength, records } = layout(sealed);
    expect(records).toHaveLength(Math.floor(size / CS) + 1);
    expect(sealed.length).toBe(headerLength + size + 16 * (Math.floor(size / CS) + 1));
    expect(referenceDecrypt(sealed, secret).equals(plaintext)).toBe(true);
  });

  it('several MB of random data written and read in random piece sizes', async () => {
    const plaintext = randomBytes(5 * 1024 * 1024 + 12345);
    const sealed = await seal(plaintext, ring, PLATFORM, undefined, randomSizes(200_000, 7));
    const { output, error } = await open(sealed, ring, PLATFORM, randomSizes(150_000, 11));
    expect(error).toBeUndefined();
    expect(createHash('sha256').update(output).digest('hex')).toBe(createHash('sha256').update(plaintext).digest('hex'));
    expect(referenceDecrypt(sealed, secret).equals(plaintext)).toBe(true);
  });

  it('small chunks fed one byte at a time, header included', async () => {
    const plaintext = randomBytes(1000);
    const sealed = await seal(plaintext, ring, TENANT_A, { chunkSize: 100, compression: 'none' }, randomSizes(37, 3));
    const { output, error, header } = await open(sealed, ring, undefined, () => 1);
    expect(error).toBeUndefined();
    expect(output.equals(plaintext)).toBe(true);
    expect(header).toMatchObject({ chunkSize: 100, compression: 'none' });
    expect(referenceDecrypt(sealed, secret).equals(plaintext)).toBe(true);
  });

  it('seals the same plaintext differently each time (fresh data key, salt and nonce prefix)', async () => {
    const plaintext = Buffer.alloc(1000, 7);
    const [a, b] = [await seal(plaintext, ring, TENANT_A), await seal(plaintext, ring, TENANT_A)];
    for (const field of ['salt', 'wrapNonce', 'wrappedKey', 'noncePrefix']) {
      expect(layout(a).json[field]).not.toEqual(layout(b).json[field]);
    }
    expect(layout(a).records[0].equals(layout(b).records[0])).toBe(false);
  });

  it('writes the documented header and never the secret or the data key in clear', async () => {
    const sealed = await seal(randomBytes(10), ring, TENANT_A, { compression: 'zstd' });
    expect(sealed.subarray(0, 5).equals(Buffer.from('TVBK\x01', 'latin1'))).toBe(true);
    const { json } = layout(sealed);
    expect(Object.keys(json).sort()).toEqual(
      ['alg', 'chunkSize', 'compression', 'context', 'kdf', 'keyId', 'noncePrefix', 'salt', 'wrapNonce', 'wrappedKey'].sort(),
    );
    expect(json).toMatchObject({ alg: 'AES-256-GCM', kdf: 'HKDF-SHA256', keyId: keyIdOf(secret), context: 'tenant:acme', chunkSize: CS, compression: 'zstd' });
    expect(Buffer.from(json.salt as string, 'base64')).toHaveLength(32);
    expect(Buffer.from(json.wrapNonce as string, 'base64')).toHaveLength(12);
    expect(Buffer.from(json.wrappedKey as string, 'base64')).toHaveLength(48);
    expect(Buffer.from(json.noncePrefix as string, 'base64')).toHaveLength(7);
    expect(sealed.includes(secret)).toBe(false);
    expect(sealed.toString('latin1')).not.toContain(secret.toString('base64'));
  });

  it('rejects bad options', () => {
    for (const chunkSize of [0, -1, 1.5, 16 * 1024 * 1024 + 1]) {
      expect(() => createEncryptStream(ring, TENANT_A, { chunkSize })).toThrow(RangeError);
    }
    expect(() => createEncryptStream(ring, TENANT_A, { compression: 'gzip"}' })).toThrow(RangeError);
    expect(() => createEncryptStream(ring, { kind: 'tenant', tenantId: '' })).toThrow(TypeError);
  });
});

describe('back-pressure', () => {
  it('stops accepting input while nobody reads the output', () => {
    const stream = createEncryptStream(ring, TENANT_A);
    const block = randomBytes(1024 * 1024);
    let writes = 0;
    while (stream.write(block)) {
      writes++;
      if (writes > 8) break;
    }
    expect(writes).toBeLessThanOrEqual(2);
    expect(stream.readableLength).toBeLessThanOrEqual(2 * block.length + 64 * 1024);
    stream.destroy();
  });
});

describe('keys and contexts', () => {
  it('fails with KEY_NOT_FOUND for an unknown key, naming ids only', async () => {
    const sealed = await seal(randomBytes(100), ring, TENANT_A);
    const otherSecret = randomBytes(32);
    const other = KeyRing.fromBase64(otherSecret.toString('base64'));
    const result = await open(sealed, other, TENANT_A);
    const err = expectError(result, 'CRYPTO.KEY_NOT_FOUND');
    expect(err.message).toContain(keyIdOf(secret));
    expect(err.message).toContain(keyIdOf(otherSecret));
    for (const s of [secret, otherSecret]) {
      expect(err.message).not.toContain(s.toString('base64'));
      expect(err.message).not.toContain(s.toString('hex'));
    }
    expect(result.output).toHaveLength(0);
    expect(result.header).toBeUndefined();
  });

  it('fails with CONTEXT_MISMATCH before any output when another tenant is expected', async () => {
    const sealed = await seal(randomBytes(100), ring, TENANT_A);
    for (const expected of [TENANT_B, PLATFORM]) {
      const result = await open(sealed, ring, expected);
      expectError(result, 'CRYPTO.CONTEXT_MISMATCH');
      expect(result.output).toHaveLength(0);
      expect(result.header).toBeUndefined();
    }
    const platformObject = await seal(randomBytes(100), ring, PLATFORM);
    expectError(await open(platformObject, ring, TENANT_A), 'CRYPTO.CONTEXT_MISMATCH');
  });

  it('fails with UNWRAP_FAILED when the header context is edited to another tenant', async () => {
    const sealed = await seal(randomBytes(100), ring, TENANT_A);
    const moved = withHeader(sealed, (json) => (json.context = 'tenant:globex'));
    for (const expected of [undefined, TENANT_B]) {
      const result = await open(moved, ring, expected);
      expectError(result, 'CRYPTO.UNWRAP_FAILED');
      expect(result.output).toHaveLength(0);
    }
  });

  it('fails with UNWRAP_FAILED when the configured secret for that key id is a different one', async () => {
    const sealed = await seal(randomBytes(100), ring, TENANT_A);
    const impostor = KeyRing.fromBase64(randomBytes(32).toString('base64'));
    const relabelled = withHeader(sealed, (json) => (json.keyId = impostor.activeKeyId));
    expectError(await open(relabelled, impostor, TENANT_A), 'CRYPTO.UNWRAP_FAILED');
  });

  it('decrypts with a retired key, and never encrypts with it', async () => {
    const oldSecret = randomBytes(32);
    const newSecret = randomBytes(32);
    const before = KeyRing.fromBase64(oldSecret.toString('base64'));
    const after = KeyRing.fromBase64(newSecret.toString('base64'), [oldSecret.toString('base64')]);
    const plaintext = randomBytes(3 * CS + 5);

    const oldObject = await seal(plaintext, before, TENANT_A);
    const opened = await open(oldObject, after, TENANT_A);
    expect(opened.error).toBeUndefined();
    expect(opened.output.equals(plaintext)).toBe(true);

    const newObject = await seal(plaintext, after, TENANT_A);
    expect(layout(newObject).json.keyId).toBe(keyIdOf(newSecret));
    expectError(await open(newObject, before, TENANT_A), 'CRYPTO.KEY_NOT_FOUND');
    expect(referenceDecrypt(newObject, newSecret).equals(plaintext)).toBe(true);
    expect(() => referenceDecrypt(withHeader(newObject, (j) => (j.keyId = keyIdOf(oldSecret))), oldSecret)).toThrow();
  });
});

describe('not a TenantVault object', () => {
  it.each([
    ['empty input', Buffer.alloc(0)],
    ['random bytes', randomBytes(5000)],
    ['a gzip file', Buffer.from('1f8b0800000000000003', 'hex')],
  ])('%s fails with BAD_HEADER', async (_label, input) => {
    expectError(await open(input, ring), 'CRYPTO.BAD_HEADER');
  });

  it('a header field that is not canonical base64 of the right length fails with BAD_HEADER', async () => {
    const sealed = await seal(randomBytes(100), ring, TENANT_A);
    const edits: Array<(json: Record<string, unknown>) => void> = [
      // Buffer.from(.., 'base64') would quietly skip the stray character and decode the same 32 bytes.
      (json) => (json.salt = (json.salt as string).slice(0, 10) + '!' + (json.salt as string).slice(10)),
      (json) => (json.noncePrefix = randomBytes(8).toString('base64')),
      (json) => (json.salt = (json.salt as string).replace(/=+$/, '')),
      (json) => (json.alg = 'AES-128-GCM'),
      (json) => (json.keyId = (json.keyId as string).toUpperCase() + 'x'),
      (json) => delete json.context,
    ];
    for (const edit of edits) expectError(await open(withHeader(sealed, edit), ring), 'CRYPTO.BAD_HEADER');
    const notJson = Buffer.from(sealed);
    notJson[9] = 0x5b; // '[' instead of '{'
    expectError(await open(notJson, ring), 'CRYPTO.BAD_HEADER');
  });

  it('an unsupported version or an absurd header length fails with BAD_HEADER', async () => {
    const sealed = await seal(randomBytes(100), ring, TENANT_A);
    const v2 = Buffer.from(sealed);
    v2[4] = 2;
    expect((await open(v2, ring)).error?.message).toContain('version 2');
    expectError(await open(v2, ring), 'CRYPTO.BAD_HEADER');
    const huge = Buffer.from(sealed);
    huge.writeUInt32BE(0x7fffffff, 5);
    expectError(await open(huge, ring), 'CRYPTO.BAD_HEADER');
  });
});

describe('tampering', () => {
  const chunkSize = 64;
  const plaintext = randomBytes(5 * chunkSize + 20); // 5 full chunks and a final one of 20 bytes
  let sealed: Buffer;
  let headerLength: number;
  const recordSize = chunkSize + 16;

  beforeAll(async () => {
    sealed = await seal(plaintext, ring, TENANT_A, { chunkSize });
    headerLength = layout(sealed).headerLength;
    expect(sealed.length).toBe(headerLength + 5 * recordSize + 20 + 16);
  });

  it('any flipped header byte is detected before any output', async () => {
    for (let at = 0; at < headerLength; at++) {
      for (const mask of [0x01, 0x80]) {
        const result = await open(flip(sealed, at, mask), ring);
        expect(result.error).toBeInstanceOf(CryptoError);
        expect(result.output).toHaveLength(0);
      }
    }
  });

  it('the header is bound to the data: an edited label or chunk size fails on chunk 0', async () => {
    const relabelled = withHeader(sealed, (json) => (json.compression = 'zstd'));
    const err = expectError(await open(relabelled, ring), 'CRYPTO.TAMPERED');
    expect(err.message).toContain('chunk 0');
    expectError(await open(withHeader(sealed, (json) => (json.chunkSize = 48)), ring), 'CRYPTO.TAMPERED');
  });

  it.each([
    ['a middle chunk', 2],
    ['the first chunk', 0],
    ['the last full chunk', 4],
    ['the final chunk', 5],
  ])('any flipped byte in %s fails with TAMPERED, naming the chunk, after emitting only the authentic chunks before it', async (_l, chunk) => {
    const start = headerLength + chunk * recordSize;
    const end = Math.min(start + recordSize, sealed.length);
    for (let at = start; at < end; at++) {
      const result = await open(flip(sealed, at), ring, TENANT_A);
      const err = expectError(result, 'CRYPTO.TAMPERED');
      expect(err.message).toContain(`chunk ${chunk} `);
      expect(err.message).toContain(`bytes ${start}..`);
      expect(result.output.equals(plaintext.subarray(0, chunk * chunkSize))).toBe(true);
    }
  });

  it('truncation at every offset is detected and never yields the whole plaintext', async () => {
    for (let cut = 0; cut < sealed.length; cut++) {
      const result = await open(sealed.subarray(0, cut), ring);
      expectError(result, 'CRYPTO.TRUNCATED', 'CRYPTO.TAMPERED', 'CRYPTO.BAD_HEADER');
      expect(result.output.length).toBeLessThan(plaintext.length);
    }
  });

  it('truncation exactly at a chunk boundary fails with TRUNCATED', async () => {
    for (let chunks = 0; chunks <= 5; chunks++) {
      const result = await open(sealed.subarray(0, headerLength + chunks * recordSize), ring);
      expectError(result, 'CRYPTO.TRUNCATED');
      expect(result.output.equals(plaintext.subarray(0, chunks * chunkSize))).toBe(true);
    }
  });

  it('an object whose size is a multiple of the chunk size loses its empty final chunk: TRUNCATED', async () => {
    const exact = randomBytes(2 * CS);
    const whole = await seal(exact, ring, TENANT_A);
    expect(layout(whole).records.at(-1)).toHaveLength(16);
    expectError(await open(whole.subarray(0, whole.length - 16), ring), 'CRYPTO.TRUNCATED');
  });

  it('swapped, dropped or duplicated chunks fail with TAMPERED', async () => {
    const { records } = layout(sealed);
    const head = sealed.subarray(0, headerLength);
    const variants = {
      swapped: [records[0], records[2], records[1], ...records.slice(3)],
      dropped: [records[0], ...records.slice(2)],
      duplicated: [records[0], records[1], records[1], ...records.slice(2)],
      finalMovedUp: [...records.slice(0, 4), records[5], records[4]],
    };
    for (const [name, order] of Object.entries(variants)) {
      const result = await open(Buffer.concat([head, ...order]), ring);
      expect([name, result.error?.code]).toEqual([name, 'CRYPTO.TAMPERED']);
    }
    // The last full chunk dropped: the final chunk arrives at the wrong index.
    expectError(await open(Buffer.concat([head, ...records.slice(0, 4), records[5]]), ring), 'CRYPTO.TAMPERED');
  });

  it('data appended after the final chunk fails with TAMPERED', async () => {
    const { records } = layout(sealed);
    const tails = [Buffer.from([0]), randomBytes(15), randomBytes(16), randomBytes(recordSize), records[5], sealed];
    for (const tail of tails) {
      const result = await open(Buffer.concat([sealed, tail]), ring);
      expectError(result, 'CRYPTO.TAMPERED');
      expect(result.output.length).toBeLessThan(plaintext.length);
    }
  });

  it('chunks from another object under the same key and tenant fail with TAMPERED', async () => {
    const other = await seal(plaintext, ring, TENANT_A, { chunkSize });
    const spliced = Buffer.concat([sealed.subarray(0, headerLength), other.subarray(layout(other).headerLength)]);
    expectError(await open(spliced, ring), 'CRYPTO.TAMPERED');
  });
});
