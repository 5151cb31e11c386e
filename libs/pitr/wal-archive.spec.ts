import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { KeyRing } from '../crypto';
import { InMemoryStorageAdapter } from '../storage/in-memory.adapter';
import { ProviderUnavailableError } from '../storage/storage.errors';
import { walFileKey, walSidecarKey } from '../storage/storage-keys';
import type { StoragePort } from '../storage/storage.port';
import { PitrError } from './pitr.errors';
import { copyWalFile, fetchWalFile, listArchivedWal, pushWalFile, readWalSidecar } from './wal-archive';

const ring = KeyRing.fromBase64(Buffer.alloc(32, 9).toString('base64'));
const SEGMENT = '000000010000000000000003';

/** A provider that is down: every call fails as an unreachable S3 endpoint would. */
function down(adapter: StoragePort): StoragePort {
  const fail = async () => {
    throw new ProviderUnavailableError(adapter.name, `${adapter.name}: connect ECONNREFUSED`);
  };
  return Object.assign(Object.create(adapter) as StoragePort, { get: fail, put: fail, head: fail, delete: fail });
}

async function bytesOf(adapter: StoragePort, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await adapter.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('the WAL archive', () => {
  let dir: string;
  let segment: string;
  let content: Buffer;
  let b2: InMemoryStorageAdapter;
  let local: InMemoryStorageAdapter;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-wal-'));
    segment = join(dir, SEGMENT);
    // Compressible like real WAL: records, then zeros.
    content = Buffer.concat([randomBytes(64 * 1024), Buffer.alloc(448 * 1024)]);
    await writeFile(segment, content);
    b2 = new InMemoryStorageAdapter('b2');
    local = new InMemoryStorageAdapter('local');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stores a file sealed at every provider, with a sidecar recording its sha256, and fetches it back byte for byte', async () => {
    const outcome = await pushWalFile(segment, [b2, local], ring, { gzipLevel: 1 });
    expect(outcome).toMatchObject({ file: SEGMENT, bytes: content.length, alreadyStored: [], failed: [] });
    expect(outcome.stored.sort()).toEqual(['b2', 'local']);
    const stored = await bytesOf(local, walFileKey(SEGMENT));
    expect(stored.subarray(0, 4).toString()).toBe('TVBK');
    expect(stored.includes(content.subarray(0, 64))).toBe(false);
    expect(stored.length).toBeLessThan(content.length / 2);
    expect(await readWalSidecar(b2, SEGMENT)).toMatchObject({ format: 'tenantvault.wal/1', file: SEGMENT, timeline: 1, kind: 'segment', bytes: content.length, storedBytes: stored.length, modifiedAt: (await stat(segment)).mtime.toISOString() });
    expect([...(await listArchivedWal(local)).keys()]).toEqual([SEGMENT]);

    const out = join(dir, 'RECOVERYXLOG');
    expect((await fetchWalFile(SEGMENT, out, [b2, local], ring)).provider).toBe('b2');
    expect((await readFile(out)).equals(content)).toBe(true);
  });

  it('pushing the same file again is a no-op; other content under that name is refused and nothing is written', async () => {
    await pushWalFile(segment, [b2, local], ring, { gzipLevel: 1 });
    const before = await bytesOf(b2, walFileKey(SEGMENT));
    const again = await pushWalFile(segment, [b2, local], ring, { gzipLevel: 1 });
    expect(again).toMatchObject({ stored: [], alreadyStored: ['b2', 'local'], failed: [] });
    expect((await bytesOf(b2, walFileKey(SEGMENT))).equals(before)).toBe(true);

    await writeFile(segment, randomBytes(content.length));
    await expect(pushWalFile(segment, [b2, local], ring, { gzipLevel: 1 })).rejects.toThrow(/already archived at b2 with other content/);
    expect((await bytesOf(b2, walFileKey(SEGMENT))).equals(before)).toBe(true);
  });

  it('with the primary down, stores at the others and says the primary failed; a later push completes it', async () => {
    const outcome = await pushWalFile(segment, [down(b2), local], ring, { gzipLevel: 1 });
    expect(outcome.stored).toEqual(['local']);
    expect(outcome.failed).toEqual([{ provider: 'b2', reason: 'b2: connect ECONNREFUSED' }]);
    const retried = await pushWalFile(segment, [b2, local], ring, { gzipLevel: 1 });
    expect(retried).toMatchObject({ stored: ['b2'], alreadyStored: ['local'] });
  });

  it('fetches from the next provider when the first lacks the file or holds damaged bytes; says "not archived" only when none has it', async () => {
    await pushWalFile(segment, [b2, local], ring, { gzipLevel: 1 });
    const out = join(dir, 'RECOVERYXLOG');
    await b2.delete(walFileKey(SEGMENT));
    await b2.delete(walSidecarKey(SEGMENT));
    expect((await fetchWalFile(SEGMENT, out, [b2, local], ring)).provider).toBe('local');

    await copyWalFile(local, b2, SEGMENT);
    const damaged = await bytesOf(b2, walFileKey(SEGMENT));
    damaged[damaged.length - 100] ^= 1;
    await b2.put(walFileKey(SEGMENT), Readable.from([damaged]));
    const fetched = await fetchWalFile(SEGMENT, out, [b2, local], ring);
    expect(fetched.provider).toBe('local');
    expect(fetched.skipped[0].provider).toBe('b2');
    expect((await readFile(out)).equals(content)).toBe(true);

    await expect(fetchWalFile('000000010000000000000009', out, [b2, local], ring)).rejects.toMatchObject({ code: 'PITR.WAL_NOT_ARCHIVED' });
    // Only damaged copies, or a provider that cannot answer: recovery must stop, not take it for the end of the archive.
    await expect(fetchWalFile(SEGMENT, out, [b2], ring)).rejects.toMatchObject({ code: 'PITR.WAL_DAMAGED' });
    await expect(fetchWalFile('000000010000000000000009', out, [down(b2), local], ring)).rejects.toMatchObject({ code: 'PITR.WAL_UNAVAILABLE' });
    await expect(fetchWalFile('../etc/passwd', out, [local], ring)).rejects.toBeInstanceOf(PitrError);
  });
});
