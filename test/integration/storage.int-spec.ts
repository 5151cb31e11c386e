import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { AddressInfo, Server, Socket, createServer } from 'node:net';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  InMemoryStorageAdapter,
  InvalidStorageKeyError,
  LocalFsAdapter,
  ObjectNotFoundError,
  ProviderUnavailableError,
  S3CompatibleAdapter,
  StoragePort,
  StorageWriteFailedError,
  putToAll,
} from '../../libs/storage';
import { S3TestServer, startS3Server } from '../support/s3-server';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const MIB = 1024 * 1024;

/** A generated stream of `size` random bytes, hashed as it is produced; optionally breaks after `failAfter` bytes. */
function generated(size: number, opts: { failAfter?: number } = {}) {
  const hash = createHash('sha256');
  let produced = 0;
  const stream = new Readable({
    read() {
      if (opts.failAfter !== undefined && produced >= opts.failAfter) return this.destroy(new Error('source broke'));
      if (produced >= size) return this.push(null);
      const chunk = randomBytes(Math.min(256 * 1024, size - produced));
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

async function sha256OfObject(port: StoragePort, key: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of await port.get(key)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function listKeys(port: StoragePort, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of port.list(prefix)) keys.push(info.key);
  return keys;
}

let s3: S3TestServer;
let localRoot: string;
const adapters: S3CompatibleAdapter[] = [];

function s3Adapter(overrides: { maxAttempts?: number } = {}): S3CompatibleAdapter {
  const adapter = new S3CompatibleAdapter({
    name: 'b2',
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    partSize: 5 * MIB,
    ...overrides,
  });
  adapters.push(adapter);
  return adapter;
}

beforeAll(async () => {
  s3 = await startS3Server();
  localRoot = await mkdtemp(path.join(tmpdir(), 'tv-local-storage-'));
});

afterAll(async () => {
  for (const adapter of adapters) adapter.destroy();
  await s3?.dispose();
  if (localRoot) await rm(localRoot, { recursive: true, force: true });
});

describe.each([
  ['local', () => new LocalFsAdapter(localRoot) as StoragePort],
  ['s3-compatible', () => s3Adapter() as StoragePort],
])('%s adapter', (label, make) => {
  let port: StoragePort;
  const prefix = `it-${label}/`;
  beforeAll(() => {
    port = make();
  });

  it.each([
    ['0 bytes', 0],
    ['1 byte', 1],
    ['~40 MiB (multipart)', 40 * MIB + 12345],
  ])('round-trips %s byte for byte', async (_name, size) => {
    const key = `${prefix}round-trip-${size}.bin`;
    const source = generated(size);

    await expect(port.put(key, source.stream)).resolves.toEqual({ size });

    expect(await sha256OfObject(port, key)).toEqual({ sha256: source.digest(), size });
    expect(await port.head(key)).toMatchObject({ key, size });
  });

  it('heads, lists, deletes and counts usage', async () => {
    const before = await port.usage();
    const keys = [`${prefix}listing/a/one.bin`, `${prefix}listing/a/two.bin`, `${prefix}listing/b/three.bin`];
    for (const [i, key] of keys.entries()) await port.put(key, Readable.from([Buffer.alloc(100 * (i + 1), i)]));

    expect((await listKeys(port, `${prefix}listing/`)).sort()).toEqual([...keys].sort());
    expect((await listKeys(port, `${prefix}listing/a/`)).sort()).toEqual(keys.slice(0, 2).sort());
    expect(await listKeys(port, `${prefix}listing/a/t`)).toEqual([keys[1]]);
    expect(await listKeys(port, `${prefix}nothing-here/`)).toEqual([]);
    const info = await port.head(keys[2]);
    expect(info).toMatchObject({ key: keys[2], size: 300 });
    expect(info?.lastModified).toBeInstanceOf(Date);
    expect(await port.usage()).toEqual({ objects: before.objects + 3, bytes: before.bytes + 600 });

    await port.delete(keys[0]);
    await port.delete(keys[0]); // deleting a missing key is not an error
    expect(await port.head(keys[0])).toBeNull();
    expect((await listKeys(port, `${prefix}listing/`)).sort()).toEqual(keys.slice(1).sort());
    expect(await port.usage()).toEqual({ objects: before.objects + 2, bytes: before.bytes + 500 });
  });

  it('overwrites an existing key', async () => {
    const key = `${prefix}overwrite.bin`;
    await port.put(key, Readable.from([Buffer.from('first version')]));
    await port.put(key, Readable.from([Buffer.from('second')]));
    expect(await port.head(key)).toMatchObject({ size: 6 });
  });

  it('get of a missing key throws ObjectNotFoundError; head returns null', async () => {
    await expect(port.get(`${prefix}missing.bin`)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(port.get(`${prefix}missing.bin`)).rejects.toMatchObject({ code: 'STORAGE.OBJECT_NOT_FOUND', provider: port.name });
    expect(await port.head(`${prefix}missing.bin`)).toBeNull();
  });

  it.each([
    ['small', 64 * 1024, 10 * 1024],
    ['multipart', 20 * MIB, 12 * MIB],
  ])('a %s put whose source breaks midway leaves no visible object', async (_name, size, failAfter) => {
    const key = `${prefix}broken-${size}.bin`;
    const source = generated(size, { failAfter });

    const put = port.put(key, source.stream);

    await expect(put).rejects.toBeInstanceOf(StorageWriteFailedError);
    await expect(put).rejects.toThrow(/source broke/);
    expect(await port.head(key)).toBeNull();
    expect(await listKeys(port, key)).toEqual([]);
  });

  it('refuses keys that could escape the root or bucket', async () => {
    for (const key of ['../../etc/passwd', '/etc/passwd', 'a/../../b', '%2e%2e/x', '.partial/x']) {
      await expect(port.put(key, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(port.get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(port.head(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(port.delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
    await expect(listKeys(port, '../')).rejects.toBeInstanceOf(InvalidStorageKeyError);
  });

  it('pings', async () => {
    await expect(port.ping()).resolves.toBeUndefined();
  });
});

describe('local adapter on disk', () => {
  it('leaves no temporary file behind, after success or failure', async () => {
    const port = new LocalFsAdapter(localRoot);
    await port.put('tmp-check/ok.bin', generated(MIB).stream);
    await expect(port.put('tmp-check/broken.bin', generated(MIB, { failAfter: 300 * 1024 }).stream)).rejects.toThrow();
    await expect(port.put('tmp-check/at-once.bin', generated(MIB, { failAfter: 0 }).stream)).rejects.toThrow();
    expect(await readdir(path.join(localRoot, '.partial'))).toEqual([]);
    expect(await listKeys(port, 'tmp-check/')).toEqual(['tmp-check/ok.bin']);
  });

  it('ping creates a missing directory', async () => {
    const root = path.join(localRoot, 'fresh', 'nested');
    await new LocalFsAdapter(root).ping();
    expect(await readdir(root)).toEqual(['.partial']);
  });
});

describe('when the S3 server is down', () => {
  let local: LocalFsAdapter;
  let remote: S3CompatibleAdapter;

  beforeAll(async () => {
    local = new LocalFsAdapter(localRoot);
    remote = s3Adapter();
    await remote.ping(); // an open keep-alive connection, as a long-running process would have
    await s3.stop();
  });

  afterAll(async () => {
    await s3.start();
  });

  it('ping rejects quickly with ProviderUnavailableError', async () => {
    const started = Date.now();
    await expect(remote.ping()).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('put rejects with ProviderUnavailableError, with no credential in the message', async () => {
    const error = await remote.put('outage/one.bin', generated(1000).stream).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ code: 'STORAGE.PROVIDER_UNAVAILABLE', provider: 'b2' });
    expect(String((error as Error).message)).not.toContain(s3.secretAccessKey);
  });

  it('putToAll still writes locally and reports the S3 target as failed', async () => {
    const source = generated(12 * MIB);
    const results = await putToAll([local, remote], 'outage/fan-out.bin', source.stream);

    expect(results[0]).toEqual({ provider: 'local', ok: true, size: 12 * MIB });
    expect(results[1]).toMatchObject({ provider: 'b2', ok: false, error: { code: 'STORAGE.PROVIDER_UNAVAILABLE' } });
    expect(await sha256OfObject(local, 'outage/fan-out.bin')).toEqual({ sha256: source.digest(), size: 12 * MIB });
  });

  it('recovers once the server is back on the same port', async () => {
    await s3.start();
    await expect(remote.ping()).resolves.toBeUndefined();
    await expect(remote.head('outage/fan-out.bin')).resolves.toBeNull();
  });
});

describe('an endpoint that accepts connections but never answers', () => {
  let silent: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('fails with ProviderUnavailableError instead of hanging', async () => {
    const adapter = new S3CompatibleAdapter({
      name: 'r2',
      endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      region: 'auto',
      bucket: 'b',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'do-not-leak-this-secret',
      socketTimeoutMs: 500,
    });
    adapters.push(adapter);
    const started = Date.now();

    const error = await adapter.ping().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ provider: 'r2' });
    expect(String((error as Error).message)).not.toMatch(/do-not-leak|AKIDEXAMPLE/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe.each([
  ['local', () => new LocalFsAdapter(localRoot) as StoragePort],
  ['s3-compatible', () => s3Adapter() as StoragePort],
  ['in-memory', () => new InMemoryStorageAdapter() as StoragePort],
])('%s adapter range reads', (label, make) => {
  const key = `ranges-${label}/object.bin`;
  const data = randomBytes(6 * MIB + 777);
  let port: StoragePort;
  const read = async (range: { start: number; end?: number }) => {
    const chunks: Buffer[] = [];
    for await (const chunk of await port.get(key, range)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };

  beforeAll(async () => {
    port = make();
    await port.put(key, Readable.from([data]));
  });

  it('reads exactly the bytes from start to end, both inclusive', async () => {
    expect((await read({ start: 0, end: 1 })).equals(data.subarray(0, 2))).toBe(true);
    expect((await read({ start: 7, end: 7 })).equals(data.subarray(7, 8))).toBe(true);
    expect((await read({ start: 123_456, end: 5 * MIB })).equals(data.subarray(123_456, 5 * MIB + 1))).toBe(true);
    expect((await read({ start: data.length - 1, end: data.length - 1 })).equals(data.subarray(data.length - 1))).toBe(true);
  });

  it('reads to the end without an end, and cuts a range that runs past the end', async () => {
    expect((await read({ start: 3 * MIB })).equals(data.subarray(3 * MIB))).toBe(true);
    expect((await read({ start: data.length - 10, end: data.length + 1000 })).equals(data.subarray(data.length - 10))).toBe(true);
  });

  it('reads nothing from a range that starts at or past the end, and still reports a missing key', async () => {
    expect(await read({ start: data.length })).toHaveLength(0);
    expect(await read({ start: data.length + 5, end: data.length + 10 })).toHaveLength(0);
    await expect(port.get(`ranges-${label}/missing.bin`, { start: 0, end: 10 })).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('refuses a malformed range before touching the provider', async () => {
    for (const range of [{ start: -1 }, { start: 5, end: 4 }, { start: 1.5 }, { start: 0, end: Number.NaN }]) {
      await expect(port.get(key, range)).rejects.toBeInstanceOf(RangeError);
    }
  });
});
