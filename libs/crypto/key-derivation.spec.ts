import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { CryptoError } from './crypto.errors';
import { deriveKek, unwrapDataKey, wrapDataKey } from './key-derivation';

const SECRET = Buffer.from(Array.from({ length: 32 }, (_, i) => i)); // 00 01 .. 1f
const SALT = Buffer.alloc(32, 0xaa);

/** RFC 5869 by hand with HMAC, independent of hkdfSync. */
function hkdfByHand(ikm: Buffer, salt: Buffer, info: string, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const blocks: Buffer[] = [];
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    previous = createHmac('sha256', prk).update(Buffer.concat([previous, Buffer.from(info), Buffer.from([i])])).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

describe('deriveKek', () => {
  it('is HKDF-SHA256(secret, salt, "tenantvault/v1/kek/" + context, 32)', () => {
    const independent = Buffer.from(hkdfSync('sha256', SECRET, SALT, Buffer.from('tenantvault/v1/kek/tenant:acme'), 32));
    expect(deriveKek(SECRET, SALT, 'tenant:acme').equals(independent)).toBe(true);
    expect(deriveKek(SECRET, SALT, 'tenant:acme').equals(hkdfByHand(SECRET, SALT, 'tenantvault/v1/kek/tenant:acme', 32))).toBe(true);
  });

  it('matches a frozen vector (computed with `openssl kdf ... HKDF`)', () => {
    // openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:000102..1f -kdfopt hexsalt:aa..aa
    //   -kdfopt info:tenantvault/v1/kek/tenant:acme HKDF
    expect(deriveKek(SECRET, SALT, 'tenant:acme').toString('hex')).toBe(
      'b71d6962d3d09334d2e0a3cd62a05b2b25d98cc0791c8c73c95011aade883356',
    );
  });

  it('gives independent keys per context and per salt', () => {
    const base = deriveKek(SECRET, SALT, 'tenant:acme');
    expect(deriveKek(SECRET, SALT, 'tenant:globex').equals(base)).toBe(false);
    expect(deriveKek(SECRET, SALT, 'platform').equals(base)).toBe(false);
    expect(deriveKek(SECRET, Buffer.alloc(32, 0xab), 'tenant:acme').equals(base)).toBe(false);
  });
});

describe('wrapDataKey / unwrapDataKey', () => {
  const kek = deriveKek(SECRET, SALT, 'tenant:acme');
  const nonce = randomBytes(12);
  const dataKey = randomBytes(32);

  it('round-trips and produces ciphertext(32) || tag(16)', () => {
    const wrapped = wrapDataKey(kek, nonce, 'tenant:acme', dataKey);
    expect(wrapped).toHaveLength(48);
    expect(wrapped.subarray(0, 32).equals(dataKey)).toBe(false);
    expect(unwrapDataKey(kek, nonce, 'tenant:acme', wrapped, 'id').equals(dataKey)).toBe(true);
  });

  it('fails with UNWRAP_FAILED for another KEK, another context in the AAD, or an edited wrapped key', () => {
    const wrapped = wrapDataKey(kek, nonce, 'tenant:acme', dataKey);
    const flipped = Buffer.from(wrapped);
    flipped[40] ^= 1;
    const attempts = [
      () => unwrapDataKey(deriveKek(randomBytes(32), SALT, 'tenant:acme'), nonce, 'tenant:acme', wrapped, 'id'),
      () => unwrapDataKey(kek, nonce, 'tenant:globex', wrapped, 'id'),
      () => unwrapDataKey(kek, nonce, 'tenant:acme', flipped, 'id'),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(CryptoError);
      try {
        attempt();
      } catch (err) {
        expect((err as CryptoError).code).toBe('CRYPTO.UNWRAP_FAILED');
        expect((err as CryptoError).message).not.toContain(kek.toString('hex'));
      }
    }
  });
});
