import { Readable } from 'node:stream';
import { InMemoryStorageAdapter } from './in-memory.adapter';
import { S3CompatibleAdapter } from './s3-compatible.adapter';
import { InvalidStorageKeyError } from './storage.errors';
import { IncompleteUpload } from './storage.port';

async function collect(leftovers: AsyncIterable<IncompleteUpload>): Promise<IncompleteUpload[]> {
  const all: IncompleteUpload[] = [];
  for await (const leftover of leftovers) all.push(leftover);
  return all;
}

describe('in-memory adapter', () => {
  it('never has leftovers, even after a failed put, and refuses any id', async () => {
    const adapter = new InMemoryStorageAdapter();
    const broken = new Readable({ read() { this.destroy(new Error('source broke')); } });
    await expect(adapter.put('tenants/x/broken.tvb', broken)).rejects.toThrow(/source broke/);

    expect(await collect(adapter.listIncomplete(new Date(Date.now() + 86_400_000)))).toEqual([]);
    await expect(adapter.abortIncomplete('anything')).rejects.toBeInstanceOf(InvalidStorageKeyError);
  });

  it('refuses an invalid date rather than list nothing silently', async () => {
    await expect(collect(new InMemoryStorageAdapter().listIncomplete(new Date(Number.NaN)))).rejects.toThrow(/olderThan must be a valid Date/);
  });
});

describe('S3 adapter incomplete upload ids', () => {
  // Nothing listens on port 9: an id that got past validation would fail as unreachable instead.
  const adapter = new S3CompatibleAdapter({
    name: 'b2',
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    bucket: 'backups',
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'unit-test-secret',
    maxAttempts: 1,
  });
  afterAll(() => adapter.destroy());

  it.each([
    ['no upload id', 'tenants/a/backup.tvb'],
    ['an empty key', '#upload-1'],
    ['an empty upload id', 'tenants/a/backup.tvb#'],
    ['a key climbing out', '../etc/passwd#upload-1'],
    ['a key into a dot folder', '.partial/x#upload-1'],
    ['a space in the upload id', 'tenants/a/backup.tvb#upload 1'],
    ['a control character in the upload id', 'tenants/a/backup.tvb#upload\n1'],
    ['an overlong upload id', `tenants/a/backup.tvb#${'u'.repeat(1025)}`],
    ['not a string', 42 as unknown as string],
  ])('refuses %s before sending anything', async (_label, id) => {
    await expect(adapter.abortIncomplete(id)).rejects.toBeInstanceOf(InvalidStorageKeyError);
  });

  it('passes a well-formed id on to the provider', async () => {
    await expect(adapter.abortIncomplete('tenants/a/backup.tvb#2~Zm9v+/=')).rejects.toMatchObject({ code: 'STORAGE.PROVIDER_UNAVAILABLE' });
  });
});
