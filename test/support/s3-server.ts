import { mkdtemp, rm } from 'node:fs/promises';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
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

/** An in-process S3-compatible server on 127.0.0.1 for integration tests (s3rver's default credentials). */
export async function startS3Server(opts: { port?: number; bucket?: string } = {}): Promise<S3TestServer> {
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
