import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sealStream } from '../../libs/archive/sealed-archive';
import { KeyRing } from '../../libs/crypto';
import { runCli } from '../support/backup-files';

const KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

/** `tenantvault decrypt`, run from dist/ as an operator would: what it writes, and what it refuses to leave behind. */
describe('cli decrypt', () => {
  let dir: string;
  const env = () => ({ BACKUP_ENCRYPTION_KEY: KEY, JWT_SECRET: 'cli-decrypt-test-secret-of-32-characters!', NODE_ENV: 'test' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-decrypt-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decrypts the worked example of docs/FORMAT.md, an object sealed with compression "none"', async () => {
    const format = await readFile(join(__dirname, '../../docs/FORMAT.md'), 'utf8');
    const example = /The whole object \(\d+ bytes\), base64:\s*```\n([A-Za-z0-9+/=\n]+)```/.exec(format);
    expect(example).not.toBeNull();
    const object = join(dir, 'example.tvb');
    await writeFile(object, Buffer.from(example![1].replace(/\n/g, ''), 'base64'));
    const out = join(dir, 'example.out');
    await runCli(['decrypt', '--file', object, '--out', out], env(), dir);
    expect(await readFile(out, 'utf8')).toBe('hello, tenantvault\n');
  });

  it('leaves no file at --out, partial or whole, when the object is damaged', async () => {
    const object = join(dir, 'damaged.tvb');
    const plaintext = randomBytes(3 * 1024 * 1024);
    await pipeline(sealStream(Readable.from([plaintext]), KeyRing.fromBase64(KEY), { kind: 'tenant', tenantId: '11111111-1111-4111-8111-111111111111' }).stream, createWriteStream(object));
    const bytes = await readFile(object);
    bytes[bytes.length - 70_000] ^= 0x01; // in a late chunk: earlier chunks decrypt and would have been written
    await writeFile(object, bytes);
    const before = await readdir(dir);

    const out = join(dir, 'damaged.tar');
    await expect(runCli(['decrypt', '--file', object, '--out', out], env(), dir)).rejects.toMatchObject({ stderr: expect.stringContaining('failed authentication') });
    expect(await readdir(dir)).toEqual(before);
  });
});
