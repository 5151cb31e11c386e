import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { KeyRing } from '../crypto';
import { putToAll } from '../storage/fan-out';
import { InMemoryStorageAdapter } from '../storage/in-memory.adapter';
import { ProviderName } from '../storage/storage.port';
import { createArchiveStream } from './archive-writer';
import { testManifest } from './archive.spec-helpers';
import { createDisasterArchiveStream } from './disaster-archive';
import { DISASTER_FORMAT_VERSION } from './disaster-manifest';
import { sealStream } from './sealed-archive';

const RING = KeyRing.fromBase64(Buffer.alloc(32, 1).toString('base64'));

/** A provider that takes part of an upload and then fails, as a full disk, a read-only mount or a dropped S3 does. */
class FailsMidStream extends InMemoryStorageAdapter {
  constructor(name: ProviderName, private readonly afterBytes: number) {
    super(name);
  }

  override async put(_key: string, body: Readable): Promise<{ size: number }> {
    let seen = 0;
    for await (const chunk of body) {
      seen += (chunk as Buffer).length;
      if (seen > this.afterBytes) throw new Error(`${this.name}: no space left on device`);
    }
    return { size: seen };
  }
}

/** Incompressible data, produced lazily so the writer is mid-table when the providers give up. */
function randomTable(chunks: number): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < chunks; i++) yield Buffer.from(randomBytes(32 * 1024).toString('hex'));
  })());
}

/**
 * Every provider failing while a backup streams must fail the backup, not the process: before the fix, the tar
 * writer's entries and the table being read were destroyed with an AbortError nobody listened to, and Node ended the
 * process. Jest fails a test file in which such an error escapes, so these tests fail on that code.
 */
describe('every provider failing mid-stream', () => {
  it('fails a tenant archive with the providers’ reasons and lets no error escape', async () => {
    const manifest = testManifest(['public.a', 'public.b']);
    async function* tables() {
      for (const table of manifest.tables) yield { name: table.name, data: randomTable(100) };
    }
    const archive = createArchiveStream(manifest, tables());
    const sealed = sealStream(archive.stream, RING, { kind: 'tenant', tenantId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' });
    const results = await putToAll([new FailsMidStream('local', 100_000), new FailsMidStream('b2', 300_000)], 'tenants/x/2026/12/o.tvb', sealed.stream);
    expect(results.map((r) => (r.ok ? 'stored' : r.error.message))).toEqual([expect.stringContaining('no space left'), expect.stringContaining('no space left')]);
    await expect(archive.summary).rejects.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('fails a disaster archive the same way and stops reading the dump', async () => {
    const dump = randomTable(200);
    const archive = createDisasterArchiveStream({
      manifest: {
        formatVersion: DISASTER_FORMAT_VERSION,
        kind: 'disaster',
        backupId: '0b8f6a3e-3c1d-4e5f-9a7b-2c4d6e8f0a1b',
        createdAt: '2026-12-02T02:00:00.000Z',
        tenantvault: { version: '0.1.0', gitCommit: null },
        source: { database: 'platform', serverVersion: '15.20', serverVersionNum: 150020 },
        dump: { tool: 'pg_dump', version: '15.20', format: 'custom', compression: 'none', partSize: 64 * 1024 },
        configFiles: [],
      },
      configData: [],
      dump,
    });
    const sealed = sealStream(archive.stream, RING, { kind: 'platform' });
    const results = await putToAll([new FailsMidStream('local', 50_000), new FailsMidStream('b2', 80_000)], 'disaster/2026/12/o.tvb', sealed.stream);
    expect(results.every((r) => !r.ok)).toBe(true);
    await expect(archive.summary).rejects.toThrow();
    expect(dump.destroyed).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
  });
});
