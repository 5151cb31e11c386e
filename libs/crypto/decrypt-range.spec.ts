import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { CryptoError, KeyRing, openSealedObject, SealedObjectReader } from './index';
import { layout, randomSizes, seal, TENANT_A, TENANT_B } from './crypto.spec-helpers';

const ring = KeyRing.fromBase64(randomBytes(32).toString('base64'));
const CS = 1000;

/** Serves byte ranges of `object` in pieces of random sizes, and records which ranges were asked for. */
function readerOf(object: Buffer, seed = 3): { read: SealedObjectReader; asked: [number, number][] } {
  const asked: [number, number][] = [];
  const sizes = randomSizes(700, seed);
  const read: SealedObjectReader = async (start, end) => {
    asked.push([start, end]);
    const slice = object.subarray(start, end + 1);
    const parts: Buffer[] = [];
    for (let i = 0; i < slice.length; ) {
      const n = sizes();
      parts.push(slice.subarray(i, i + n));
      i += n;
    }
    return Readable.from(parts);
  };
  return { read, asked };
}

async function text(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function failure(promise: Promise<unknown>): Promise<CryptoError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoError);
  return error as CryptoError;
}

describe('openSealedObject', () => {
  it.each([0, 1, CS - 1, CS, CS + 1, 7 * CS, 7 * CS + 123])('tells the plaintext size of %i bytes from the object size alone', async (size) => {
    const sealed = await seal(randomBytes(size), ring, TENANT_A, { chunkSize: CS, compression: 'none' });
    const opened = await openSealedObject(ring, readerOf(sealed).read, sealed.length, TENANT_A);
    expect(opened.plaintextSize).toBe(size);
    expect(opened.header).toMatchObject({ context: 'tenant:acme', chunkSize: CS, compression: 'none', keyId: ring.activeKeyId });
  });

  it('returns exactly the plaintext of any range, the whole one included', async () => {
    const plaintext = randomBytes(9 * CS + 321);
    const sealed = await seal(plaintext, ring, TENANT_A, { chunkSize: CS, compression: 'none' });
    const opened = await openSealedObject(ring, readerOf(sealed).read, sealed.length, TENANT_A);
    const last = plaintext.length - 1;
    const edges: [number, number][] = [
      [0, last],
      [0, 0],
      [last, last],
      [CS - 1, CS],
      [CS, 2 * CS - 1],
      [9 * CS, last],
      [123, 8 * CS + 5],
      [Math.floor(plaintext.length / 2), last],
      [0, Math.floor(plaintext.length / 2) - 1],
    ];
    const next = randomSizes(plaintext.length, 5);
    for (let i = 0; i < 200; i++) {
      const a = next() - 1;
      const b = next() - 1;
      edges.push([Math.min(a, b), Math.max(a, b)]);
    }
    for (const [start, end] of edges) {
      const got = await text(await opened.range(start, end));
      expect({ start, end, equal: got.equals(plaintext.subarray(start, end + 1)) }).toEqual({ start, end, equal: true });
    }
  });

  it('reads only the header and the chunks that hold the range', async () => {
    const sealed = await seal(randomBytes(20 * CS), ring, TENANT_A, { chunkSize: CS, compression: 'none' });
    const { headerLength } = layout(sealed);
    const record = CS + 16;
    const { read, asked } = readerOf(sealed);
    const opened = await openSealedObject(ring, read, sealed.length, TENANT_A);
    await text(await opened.range(5 * CS + 10, 6 * CS + 10));
    expect(asked.slice(-1)).toEqual([[headerLength + 5 * record, headerLength + 7 * record - 1]]);
    expect(asked.slice(0, -1).every(([, end]) => end < headerLength)).toBe(true);
  });

  it('serves a range away from a damaged chunk, and refuses one that needs it', async () => {
    const plaintext = randomBytes(10 * CS);
    const sealed = await seal(plaintext, ring, TENANT_A, { chunkSize: CS, compression: 'none' });
    const damaged = Buffer.from(sealed);
    damaged[layout(sealed).headerLength + 7 * (CS + 16) + 3] ^= 0x01; // inside chunk 7
    const opened = await openSealedObject(ring, readerOf(damaged).read, damaged.length, TENANT_A);
    expect((await text(await opened.range(0, 2 * CS))).equals(plaintext.subarray(0, 2 * CS + 1))).toBe(true);
    const error = await failure(opened.range(6 * CS, 8 * CS).then(text));
    expect(error.code).toBe('CRYPTO.TAMPERED');
    expect(error.message).toContain('chunk 7');
  });

  it('detects a truncated or extended object at its final chunk', async () => {
    const sealed = await seal(randomBytes(3 * CS + 50), ring, TENANT_A, { chunkSize: CS, compression: 'none' });
    const cut = sealed.subarray(0, sealed.length - 10);
    const shorter = await openSealedObject(ring, readerOf(cut).read, cut.length, TENANT_A);
    expect((await failure(shorter.range(3 * CS, shorter.plaintextSize - 1).then(text))).code).toBe('CRYPTO.TAMPERED');
    const longer = Buffer.concat([sealed, Buffer.alloc(40)]);
    const opened = await openSealedObject(ring, readerOf(longer).read, longer.length, TENANT_A);
    expect((await failure(opened.range(0, opened.plaintextSize - 1).then(text))).code).toBe('CRYPTO.TAMPERED');
    // A reader that returns less than asked for (the object shrank meanwhile) is a truncation.
    const whole = await openSealedObject(ring, readerOf(sealed).read, sealed.length, TENANT_A);
    const lying = await openSealedObject(ring, async (start, end) => (start === 0 || end < 500 ? readerOf(sealed).read(start, end) : Readable.from([sealed.subarray(start, end - 5)])), sealed.length, TENANT_A);
    expect((await failure(lying.range(0, whole.plaintextSize - 1).then(text))).code).toBe('CRYPTO.TRUNCATED');
  });

  it("refuses another tenant's object, an unknown key and a size that cannot hold a final chunk before reading any chunk", async () => {
    const sealed = await seal(randomBytes(2 * CS), ring, TENANT_A, { chunkSize: CS, compression: 'none' });
    const { headerLength } = layout(sealed);
    const { read, asked } = readerOf(sealed);
    expect((await failure(openSealedObject(ring, read, sealed.length, TENANT_B))).code).toBe('CRYPTO.CONTEXT_MISMATCH');
    expect(asked.every(([, end]) => end < headerLength)).toBe(true);
    const otherRing = KeyRing.fromBase64(randomBytes(32).toString('base64'));
    expect((await failure(openSealedObject(otherRing, read, sealed.length, TENANT_A))).code).toBe('CRYPTO.KEY_NOT_FOUND');
    expect((await failure(openSealedObject(ring, read, headerLength + 2 * (CS + 16), TENANT_A))).code).toBe('CRYPTO.TRUNCATED');
    expect((await failure(openSealedObject(ring, read, 5, TENANT_A))).code).toBe('CRYPTO.TRUNCATED');
    expect((await failure(openSealedObject(ring, async () => Readable.from([Buffer.from('PK\x03\x04 not ours')]), 4000))).code).toBe('CRYPTO.BAD_HEADER');
  });

  it('refuses a range outside the plaintext', async () => {
    const sealed = await seal(randomBytes(CS), ring, TENANT_A, { chunkSize: CS, compression: 'none' });
    const opened = await openSealedObject(ring, readerOf(sealed).read, sealed.length, TENANT_A);
    for (const [start, end] of [[-1, 5], [5, 4], [0, CS], [CS, CS]]) await expect(opened.range(start, end)).rejects.toBeInstanceOf(RangeError);
  });
});
