import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
  /** Koa's middleware stack, composed when the server starts. */
  middleware: KoaMiddleware[];
}
interface KoaContext {
  method: string;
  url: string;
  status: number;
  type: string;
  body: unknown;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as S3rverConstructor;

export interface S3TestServer {
  endpoint: string;
  port: number;
  bucket: string;
  region: 'us-east-1';
  accessKeyId: string;
  secretAccessKey: string;
  /** Where s3rver keeps objects; survives stop()/start(). */
  directory: string;
  /** Stops listening and drops open connections, as an outage would; data is kept. */
  stop(): Promise<void>;
  /** Starts again on the same port, with the same data. */
  start(): Promise<void>;
  /** stop() and remove the directory. */
  dispose(): Promise<void>;
}

/**
 * ListMultipartUploads and AbortMultipartUpload as AWS documents them, served over s3rver's own record of unfinished
 * uploads (`<bucket>/._S3rver_uploads/<uploadId>/`, holding the key and the parts sent so far): s3rver 3.7.1 answers
 * both with NotImplemented / MethodNotAllowed. The list is one page, its `Initiated` the time the upload was created.
 */
function multipartLeftovers(directory: string, bucket: string): KoaMiddleware {
  const uploads = path.join(directory, bucket, '._S3rver_uploads');
  const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const reply = (ctx: KoaContext, status: number, body?: string) => {
    ctx.status = status;
    if (body !== undefined) {
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
    }
  };
  return async (ctx, next) => {
    const url = new URL(ctx.url, 'http://s3rver');
    if (ctx.method === 'GET' && url.pathname.replace(/\/$/, '') === `/${bucket}` && url.searchParams.has('uploads')) {
      const ids = (await readdir(uploads).catch(() => [] as string[])).sort();
      const listed = await Promise.all(ids.map(async (id) => ({ id, key: await readFile(path.join(uploads, id, 'key'), 'utf8'), initiated: (await stat(path.join(uploads, id, 'key'))).mtime })));
      listed.sort((a, b) => (a.key === b.key ? (a.id < b.id ? -1 : 1) : a.key < b.key ? -1 : 1));
      return reply(
        ctx,
        200,
        `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${bucket}</Bucket><IsTruncated>false</IsTruncated>` +
          listed.map((u) => `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.id}</UploadId><StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`).join('') +
          `</ListMultipartUploadsResult>`,
      );
    }
    if (ctx.method === 'DELETE' && url.pathname.startsWith(`/${bucket}/`) && url.searchParams.has('uploadId')) {
      const id = url.searchParams.get('uploadId') ?? '';
      const dir = path.join(uploads, id);
      if (!/^[0-9a-f]+$/.test(id) || !(await stat(dir).catch(() => null))) {
        return reply(ctx, 404, '<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>');
      }
      await rm(dir, { recursive: true, force: true });
      return reply(ctx, 204);
    }
    return next();
  };
}

/**
 * An in-process S3-compatible server on 127.0.0.1 for integration tests (s3rver's default credentials). With
 * `multipartLeftovers`, it also lists and aborts unfinished multipart uploads (see multipartLeftovers).
 */
export async function startS3Server(opts: { port?: number; bucket?: string; multipartLeftovers?: boolean } = {}): Promise<S3TestServer> {
  const bucket = opts.bucket ?? 'tenantvault-test';
  const directory = await mkdtemp(path.join(tmpdir(), 'tv-s3rver-'));
  let port = opts.port ?? 0;
  let running: S3rverInstance | undefined;

  const start = async () => {
    if (running) return;
    // A fresh instance per start: s3rver closes its logger when its HTTP server closes.
    const instance = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
      vhostBuckets: false,
    });
    if (opts.multipartLeftovers) instance.middleware.unshift(multipartLeftovers(directory, bucket));
    const address = await instance.run();
    port = address.port; // later starts reuse the port the first one was given
    running = instance;
  };

  const stop = async () => {
    const instance = running;
    if (!instance) return;
    running = undefined;
    const closed = instance.close();
    instance.httpServer?.closeAllConnections(); // keep-alive sockets would otherwise keep close() waiting
    await closed;
  };

  await start();
  return {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    bucket,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    directory,
    stop,
    start,
    dispose: async () => {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
