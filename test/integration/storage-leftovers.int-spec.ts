import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, utimes } from 'node:fs/promises';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import {
  IncompleteUpload,
  InvalidStorageKeyError,
  LocalFsAdapter,
  S3CompatibleAdapter,
  StorageMisconfiguredError,
  StorageWriteFailedError,
} from '../../libs/storage';
import { S3TestServer, startS3Server } from '../support/s3-server';
import { waitFor } from '../support/wait-for';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const HOUR = 3_600_000;
/** The sweep's grace period in these tests: anything started less than this ago may still be running. */
const GRACE = HOUR;

async function collect(leftovers: AsyncIterable<IncompleteUpload>): Promise<IncompleteUpload[]> {
  const all: IncompleteUpload[] = [];
  for await (const leftover of leftovers) all.push(leftover);
  return all;
}

async function listKeys(adapter: { list(prefix: string): AsyncIterable<{ key: string }> }, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of adapter.list(prefix)) keys.push(info.key);
  return keys;
}

describe('local adapter: leftovers of killed puts', () => {
  let root: string;
  let local: LocalFsAdapter;
  const partialDir = () => path.join(root, '.partial');

  // A fresh root per test, so that one test's leftover can never be taken for another's.
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tv-leftovers-'));
    local = new LocalFsAdapter(root);
  });

  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('lists nothing where nothing was ever written', async () => {
    const fresh = new LocalFsAdapter(path.join(root, 'never-used'));
    expect(await collect(fresh.listIncomplete(new Date(Date.now() + HOUR)))).toEqual([]);
  });

  it('lists the temporary file of a put killed mid-way once it is older than the grace period, and aborting removes it', async () => {
    // A put in a separate process, killed with SIGKILL after its first bytes reached the disk: nothing in
    // the adapter gets the chance to clean up, exactly as when a worker dies mid-backup.
    const script = `
      require('ts-node').register({ swc: true });
      const { Readable } = require('node:stream');
      const { LocalFsAdapter } = require(${JSON.stringify(path.join(__dirname, '../../libs/storage/local-fs.adapter'))});
      const source = new Readable({ read() {} });
      source.push(Buffer.alloc(256 * 1024, 7));
      setInterval(() => undefined, 1 << 30); // stay alive, mid-put, until killed
      new LocalFsAdapter(process.env.TV_ROOT).put('killed/mid-put.tvb', source).catch((err) => { console.error(err); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: path.join(__dirname, '../..'),
      env: { ...process.env, TV_ROOT: root },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));

    let file: string;
    try {
      file = await waitFor('the killed put to write its first bytes', async () => {
        if (child.exitCode !== null) throw new Error(`the put process ended early: ${stderr}`);
        const names = await readdir(partialDir()).catch(() => []);
        if (names.length !== 1) return undefined;
        const candidate = path.join(partialDir(), names[0]);
        return (await stat(candidate)).size >= 256 * 1024 ? candidate : undefined;
      });
    } finally {
      child.kill('SIGKILL'); // also when waiting failed: no process outlives the test
    }
    expect(await exited).toBe('SIGKILL');
    const id = path.basename(file);

    // Ages are set on the file, as the sweep's clock would find them, instead of waiting for them.
    const sweepAt = Date.now();
    const olderThan = new Date(sweepAt - GRACE);
    await utimes(file, new Date(sweepAt), new Date(sweepAt - GRACE / 2));
    expect(await collect(local.listIncomplete(olderThan))).toEqual([]);

    const lastWrite = new Date(Math.floor((sweepAt - 2 * GRACE) / 1000) * 1000); // whole seconds survive the float mtime exactly
    await utimes(file, new Date(sweepAt), lastWrite);
    expect(await collect(local.listIncomplete(olderThan))).toEqual([{ id, startedAt: lastWrite }]);
    expect(await listKeys(local, '')).toEqual([]); // never an object

    await local.abortIncomplete(id);

    expect(await readdir(partialDir())).toEqual([]);
    expect(await collect(local.listIncomplete(new Date(sweepAt + HOUR)))).toEqual([]);
    await expect(local.abortIncomplete(id)).resolves.toBeUndefined(); // already gone is fine
  });

  it('never lists a finished object, however old', async () => {
    const key = 'finished/old-backup.tvb';
    await local.put(key, Readable.from([Buffer.from('complete backup')]));
    const longAgo = new Date(Date.now() - 400 * 24 * HOUR);
    await utimes(path.join(root, 'finished', 'old-backup.tvb'), longAgo, longAgo);

    expect(await collect(local.listIncomplete(new Date(Date.now() + HOUR)))).toEqual([]);
    expect(await local.head(key)).toMatchObject({ size: 15 });
  });

  it('aborting a put that is in fact still running makes that put fail instead of publishing a partial object', async () => {
    const key = 'live/still-writing.tvb';
    const source = new PassThrough();
    const put = local.put(key, source);
    put.catch(() => undefined); // asserted below
    source.write(Buffer.alloc(64 * 1024, 1));
    const [live] = await waitFor('the live put to appear', async () => {
      const found = await collect(local.listIncomplete(new Date(Date.now() + HOUR)));
      return found.length === 1 ? found : undefined;
    });

    await local.abortIncomplete(live.id);
    source.end(Buffer.alloc(64 * 1024, 2));

    await expect(put).rejects.toBeInstanceOf(StorageWriteFailedError);
    expect(await local.head(key)).toBeNull();
    expect(await readdir(partialDir())).toEqual([]);
  });

  it('refuses ids that could name anything outside its temporary folder', async () => {
    await local.put('victim/keep-me.tvb', Readable.from([Buffer.from('precious')]));
    for (const id of ['', '.', '..', '../victim/keep-me.tvb', 'victim/keep-me.tvb', '.partial', '/etc/passwd', 'a\\b']) {
      await expect(local.abortIncomplete(id)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
    expect(await local.head('victim/keep-me.tvb')).toMatchObject({ size: 8 });
  });
});

describe('S3 adapter against s3rver 3.7.1, which lacks ListMultipartUploads and AbortMultipartUpload', () => {
  let s3: S3TestServer;
  let client: S3Client;
  let adapter: S3CompatibleAdapter;

  beforeAll(async () => {
    s3 = await startS3Server();
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    adapter = new S3CompatibleAdapter({ name: 'b2', endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, ...credentials });
  });

  afterAll(async () => {
    adapter?.destroy();
    client?.destroy();
    await s3?.dispose(); // also removes the upload s3rver cannot abort
  });

  it('reports the missing calls as a configuration problem, not an outage, and never shows the unfinished upload', async () => {
    // An upload left as a killed worker leaves it: started, one part sent, never completed.
    const key = 'tenants/unfinished/2026/11/backup.tvb';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }));
    await client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 3) }));

    const listing = await collect(adapter.listIncomplete(new Date(Date.now() + HOUR))).catch((e: unknown) => e);
    expect(listing).toBeInstanceOf(StorageMisconfiguredError);
    expect(listing).toMatchObject({ code: 'STORAGE.MISCONFIGURED', provider: 'b2' });
    expect((listing as Error).message).toMatch(/does not support listing unfinished multipart uploads \(NotImplemented\)/);

    // The id format is the adapter's (`<key>#<uploadId>`); built here because listing cannot produce it.
    const abort = await adapter.abortIncomplete(`${key}#${UploadId}`).catch((e: unknown) => e);
    expect(abort).toBeInstanceOf(StorageMisconfiguredError);
    expect((abort as Error).message).toMatch(/does not support aborting multipart uploads \(MethodNotAllowed\)/);
    // The SDK's own call fails the same way: this is s3rver, not the adapter.
    await expect(client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId }))).rejects.toMatchObject({
      name: 'MethodNotAllowed',
    });

    expect(await adapter.head(key)).toBeNull();
    expect(await listKeys(adapter, 'tenants/unfinished/')).toEqual([]);
    await expect(adapter.ping()).resolves.toBeUndefined();
  });
});

/*
 * The S3 calls as AWS documents them, served on loopback by a stand-in that keeps its uploads in a map,
 * because s3rver has neither. It pages two uploads at a time, so the adapter's marker handling, its
 * age filter and its id round trip are exercised through the real SDK (request signing, XML parsing).
 */
interface StubUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function multipartStub(bucket: string, uploads: StubUpload[], opts: { stuck?: boolean } = {}) {
  const requests: string[] = [];
  const send = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    // The SDK addresses the bucket as `/<bucket>/` (path style).
    if (req.method === 'GET' && url.pathname.replace(/\/$/, '') === `/${bucket}` && url.searchParams.has('uploads')) {
      const keyMarker = url.searchParams.get('key-marker') ?? '';
      const idMarker = url.searchParams.get('upload-id-marker') ?? '';
      const after = (u: StubUpload) => u.key > keyMarker || (u.key === keyMarker && u.uploadId > idMarker);
      const sorted = [...uploads].sort((a, b) => (a.key === b.key ? (a.uploadId < b.uploadId ? -1 : 1) : a.key < b.key ? -1 : 1));
      const rest = opts.stuck ? sorted : sorted.filter(after);
      const page = rest.slice(0, 2);
      const truncated = rest.length > 2;
      const last = opts.stuck ? { key: keyMarker || sorted[0].key, uploadId: idMarker || sorted[0].uploadId } : page[page.length - 1];
      return send(
        res,
        200,
        `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${bucket}</Bucket>` +
          `<KeyMarker>${xml(keyMarker)}</KeyMarker><UploadIdMarker>${xml(idMarker)}</UploadIdMarker><MaxUploads>2</MaxUploads>` +
          `<IsTruncated>${truncated}</IsTruncated>` +
          (truncated ? `<NextKeyMarker>${xml(last.key)}</NextKeyMarker><NextUploadIdMarker>${xml(last.uploadId)}</NextUploadIdMarker>` : '') +
          page
            .map((u) => `<Upload><Key>${xml(u.key)}</Key><UploadId>${xml(u.uploadId)}</UploadId><StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`)
            .join('') +
          `</ListMultipartUploadsResult>`,
      );
    }
    if (req.method === 'DELETE' && url.pathname.startsWith(`/${bucket}/`) && url.searchParams.has('uploadId')) {
      const key = decodeURIComponent(url.pathname.slice(bucket.length + 2));
      const index = uploads.findIndex((u) => u.key === key && u.uploadId === url.searchParams.get('uploadId'));
      if (index < 0) return send(res, 404, '<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>');
      uploads.splice(index, 1);
      return res.writeHead(204).end();
    }
    send(res, 501, '<Error><Code>NotImplemented</Code><Message>not in this stand-in</Message></Error>');
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
  });
  return { server, requests };
}

describe('S3 adapter against the multipart calls as AWS documents them (loopback stand-in)', () => {
  const bucket = 'leftovers';
  const now = Date.now();
  const old = new Date(now - 3 * 24 * HOUR);
  let uploads: StubUpload[];
  let stub: ReturnType<typeof multipartStub>;
  let adapter: S3CompatibleAdapter;

  const startStub = async (opts: { stuck?: boolean } = {}) => {
    stub = multipartStub(bucket, uploads, opts);
    await new Promise<void>((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
    adapter = new S3CompatibleAdapter({
      name: 'r2',
      endpoint: `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`,
      region: 'auto',
      bucket,
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'stand-in-secret',
      maxAttempts: 1,
    });
  };

  beforeEach(() => {
    uploads = [
      { key: 'tenants/a/2026/11/one.tvb', uploadId: 'u-1~old', initiated: old },
      { key: 'tenants/a/2026/11/one.tvb', uploadId: 'u-2~fresh', initiated: new Date(now - 10 * 60_000) }, // may still be running
      { key: 'disaster/2026/11/two.tvb', uploadId: 'VXBsb2FkIElE+/=', initiated: old },
      { key: '../not-ours', uploadId: 'u-3', initiated: old }, // no key this adapter writes: someone else's
      { key: 'scratch/has space.bin', uploadId: 'u-5', initiated: old }, // nor this one
      { key: 'tenants/b/2026/11/three.tvb', uploadId: 'u-4', initiated: new Date(now - 25 * HOUR) },
    ];
  });

  afterEach(async () => {
    adapter?.destroy();
    await new Promise((resolve) => stub?.server.close(resolve));
  });

  it('lists old unfinished uploads across pages, and aborts them by the id it listed', async () => {
    await startStub();

    const found = await collect(adapter.listIncomplete(new Date(now - 24 * HOUR)));

    expect(found).toEqual([
      { id: 'disaster/2026/11/two.tvb#VXBsb2FkIElE+/=', key: 'disaster/2026/11/two.tvb', startedAt: old },
      { id: 'tenants/a/2026/11/one.tvb#u-1~old', key: 'tenants/a/2026/11/one.tvb', startedAt: old },
      { id: 'tenants/b/2026/11/three.tvb#u-4', key: 'tenants/b/2026/11/three.tvb', startedAt: new Date(now - 25 * HOUR) },
    ]);
    expect(stub.requests.filter((r) => r.startsWith('GET'))).toHaveLength(3); // six uploads, two a page, one key across two pages

    for (const leftover of found) await adapter.abortIncomplete(leftover.id);

    expect(uploads.map((u) => u.uploadId)).toEqual(['u-2~fresh', 'u-3', 'u-5']);
    expect(await collect(adapter.listIncomplete(new Date(now - 24 * HOUR)))).toEqual([]);
    await expect(adapter.abortIncomplete(found[0].id)).resolves.toBeUndefined(); // NoSuchUpload: already gone
  });

  it('fails instead of looping when a provider keeps saying "more" without moving on', async () => {
    await startStub({ stuck: true });
    await expect(collect(adapter.listIncomplete(new Date(now)))).rejects.toMatchObject({ code: 'STORAGE.READ_FAILED', provider: 'r2' });
    expect(stub.requests.length).toBeLessThanOrEqual(3);
  });
});
