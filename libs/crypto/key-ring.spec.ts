import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { CryptoError, KeyRing, keyIdOf } from './index';

const FIXED_SECRET = Buffer.from(Array.from({ length: 32 }, (_, i) => i)); // 00 01 .. 1f

function thrown(fn: () => unknown): CryptoError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CryptoError);
    return err as CryptoError;
  }
  throw new Error('expected a throw');
}

describe('keyIdOf', () => {
  it('is the first 16 hex chars of HMAC-SHA256(secret, "tenantvault key id v1"), and stable', () => {
    const expected = createHmac('sha256', FIXED_SECRET).update('tenantvault key id v1').digest('hex').slice(0, 16);
    expect(keyIdOf(FIXED_SECRET)).toBe(expected);
    // Frozen (from `openssl dgst -sha256 -mac HMAC`): changing the derivation would orphan every stored backup.
    expect(keyIdOf(FIXED_SECRET)).toBe('8a55832aaa1f4469');
    expect(keyIdOf(Buffer.from(FIXED_SECRET))).toBe(keyIdOf(FIXED_SECRET));
  });

  it('does not reveal the key', () => {
    const secret = randomBytes(32);
    const id = keyIdOf(secret);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(secret.toString('hex')).not.toContain(id);
    expect(id).not.toBe(secret.subarray(0, 8).toString('hex'));
    expect(keyIdOf(randomBytes(32))).not.toBe(id);
  });
});

describe('KeyRing.fromBase64', () => {
  const active = randomBytes(32);
  const retired1 = randomBytes(32);
  const retired2 = randomBytes(32);

  it('accepts what "openssl rand -base64 32" prints, with or without a trailing newline', () => {
    const ring = KeyRing.fromBase64(active.toString('base64') + '\n');
    expect(ring.activeKeyId).toBe(keyIdOf(active));
    expect(ring.keyIds()).toEqual([keyIdOf(active)]);
  });

  it('lists the active key first, then the retired ones, and skips blank and duplicate entries', () => {
    const ring = KeyRing.fromBase64(active.toString('base64'), [
      retired1.toString('base64'),
      '',
      ' ',
      active.toString('base64'),
      retired2.toString('base64'),
    ]);
    expect(ring.activeKeyId).toBe(keyIdOf(active));
    expect(ring.keyIds()).toEqual([keyIdOf(active), keyIdOf(retired1), keyIdOf(retired2)]);
    expect(ring.has(keyIdOf(retired2))).toBe(true);
    expect(ring.has(keyIdOf(randomBytes(32)))).toBe(false);
  });

  it('never shows secrets when logged or serialised', () => {
    const ring = KeyRing.fromBase64(active.toString('base64'), [retired1.toString('base64')]);
    const shown = inspect(ring, { showHidden: true, depth: 10 }) + JSON.stringify(ring) + String(ring);
    for (const secret of [active, retired1]) {
      expect(shown).not.toContain(secret.toString('base64'));
      expect(shown).not.toContain(secret.toString('hex'));
    }
    expect(JSON.stringify(ring)).toContain(keyIdOf(retired1));
  });

  const badValues: Array<[string, string]> = [
    ['empty', ''],
    ['16 bytes', randomBytes(16).toString('base64')],
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['64 bytes', randomBytes(64).toString('base64')],
    ['32 bytes in hex', randomBytes(32).toString('hex')],
    ['base64 with a stray character', randomBytes(32).toString('base64').replace(/^(.{10})/, '$1!')],
    ['a passphrase', 'correct horse battery staple, very secret'],
  ];

  it.each(badValues)('rejects %s without echoing the value', (_label, value) => {
    const err = thrown(() => KeyRing.fromBase64(value));
    expect(err.code).toBe('CRYPTO.INVALID_SECRET');
    expect(err.message).toContain('BACKUP_ENCRYPTION_KEY');
    if (value) expect(err.message).not.toContain(value);
    if (value.length > 8) expect(err.message).not.toContain(value.slice(0, 8));
  });

  it('rejects a bad retired key, naming which entry without echoing it', () => {
    const bad = randomBytes(31).toString('base64');
    const err = thrown(() => KeyRing.fromBase64(active.toString('base64'), [retired1.toString('base64'), bad]));
    expect(err.code).toBe('CRYPTO.INVALID_SECRET');
    expect(err.message).toContain('retired key #2');
    expect(err.message).not.toContain(bad);
    expect(err.message).not.toContain(active.toString('base64'));
  });
});
