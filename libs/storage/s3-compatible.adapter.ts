import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListMultipartUploadsCommandOutput,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform, pipeline } from 'node:stream';
import {
  InvalidStorageKeyError,
  ObjectNotFoundError,
  StorageError,
  StorageMisconfiguredError,
  StorageWriteFailedError,
} from './storage.errors';
import { assertSafeKey, assertSafePrefix } from './storage-keys';
import { S3ErrorContext, translateS3Error } from './s3-error-translation';
import { assertByteRange, ByteRange, IncompleteUpload, StoragePort, StorageUsage, StoredObjectInfo } from './storage.port';

const MIB = 1024 * 1024;

/*
 * An incomplete upload's id is `<key>#<uploadId>`: abort needs both, keys never contain '#'
 * (assertSafeKey), and it stays readable in a sweep's log. Upload ids are the provider's own; any
 * printable ASCII without spaces is accepted.
 */
const UPLOAD_ID = /^[\x21-\x7e]{1,1024}$/;

function incompleteUploadId(key: string, uploadId: string): string {
  return `${key}#${uploadId}`;
}

function isOurUpload(key: string, uploadId: string): boolean {
  try {
    assertSafeKey(key);
  } catch {
    return false;
  }
  return UPLOAD_ID.test(uploadId);
}

function parseIncompleteUploadId(id: unknown): { key: string; uploadId: string } {
  const hash = typeof id === 'string' ? id.indexOf('#') : -1;
  const key = typeof id === 'string' ? id.slice(0, hash) : '';
  const uploadId = typeof id === 'string' ? id.slice(hash + 1) : '';
  if (hash <= 0 || !isOurUpload(key, uploadId)) {
    throw new InvalidStorageKeyError(`not an incomplete upload id: ${JSON.stringify(String(id).slice(0, 200))}`);
  }
  return { key, uploadId };
}

/** What a provider (s3rver among them) answers for an S3 call it does not implement: not an outage, and no retry will help. */
function isUnsupportedCall(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  return e?.name === 'NotImplemented' || e?.name === 'MethodNotAllowed' || status === 501 || status === 405;
}

function isUnsatisfiableRange(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'InvalidRange' || e?.$metadata?.httpStatusCode === 416;
}

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Multipart part size in bytes (S3 minimum 5 MiB). Memory per upload is about partSize × queueSize. */
  partSize?: number;
  /** Parts uploaded in parallel. */
  queueSize?: number;
  /** A dead endpoint must fail fast rather than stall a backup: connect timeout in ms. */
  connectionTimeoutMs?: number;
  /** Idle socket timeout in ms; generous because a restore may pause reading a download for a while. */
  socketTimeoutMs?: number;
  /** Total attempts per request (1 = no retry). */
  maxAttempts?: number;
}

export interface S3CompatibleOptions extends S3Settings {
  name: 'b2' | 'r2';
}

/** Backblaze B2, Cloudflare R2 or any S3-compatible endpoint, through the AWS SDK. */
export class S3CompatibleAdapter implements StoragePort {
  readonly name: 'b2' | 'r2';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly secrets: string[];

  constructor(options: S3CompatibleOptions) {
    this.name = options.name;
    this.bucket = options.bucket;
    this.partSize = Math.max(options.partSize ?? 16 * MIB, 5 * MIB);
    this.queueSize = options.queueSize ?? 4;
    this.secrets = [options.accessKeyId, options.secretAccessKey];
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: true,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // The SDK's default checksums send streamed bodies aws-chunked, which B2, R2 and s3rver
      // store framing and all (see STACK.md): only checksum when the operation demands it.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 2,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 3000,
        socketTimeout: options.socketTimeoutMs ?? 120_000,
      },
    });
  }

  async put(key: string, body: Readable, options?: { contentType?: string }): Promise<{ size: number }> {
    assertSafeKey(key);
    let size = 0;
    let sourceError: unknown;
    body.once('error', (err) => (sourceError ??= err));
    // Counting in between also lets a failed upload tear the source down (pipeline destroys both ends).
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    pipeline(body, counted, () => undefined);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counted, ContentType: options?.contentType ?? 'application/octet-stream' },
      partSize: this.partSize,
      queueSize: this.queueSize,
      // Failed multipart uploads are aborted, so their parts never complete into a visible object.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      const failedSource = sourceError; // read before destroy(): the teardown errors the source too
      counted.destroy();
      if (failedSource) {
        throw new StorageWriteFailedError(this.name, `${this.name}: put "${key}" failed: source stream failed: ${errorMessage(failedSource)}`, {
          cause: failedSource,
        });
      }
      throw translateS3Error(err, this.context('put', key));
    }
    return { size: await this.verifySize(key, size) };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeKey(key);
    if (range) assertByteRange(range);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range && `bytes=${range.start}-${range.end ?? ''}` }));
      if (!(response.Body instanceof Readable)) throw new Error('response body is not a Node stream');
      return response.Body;
    } catch (err) {
      // S3 answers 416 to a range that starts past an existing object; the port reads nothing there, as a file would.
      if (range && isUnsatisfiableRange(err)) return Readable.from([]);
      throw translateS3Error(err, this.context('get', key));
    }
  }

  async head(key: string): Promise<StoredObjectInfo | null> {
    assertSafeKey(key);
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: response.ContentLength ?? 0, lastModified: response.LastModified ?? new Date(0) };
    } catch (err) {
      const translated = translateS3Error(err, this.context('head', key));
      if (translated instanceof ObjectNotFoundError) return null;
      throw translated;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    assertSafePrefix(prefix);
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix || undefined });
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (!object.Key) continue;
          yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
        }
      }
    } catch (err) {
      throw translateS3Error(err, this.context('list'));
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      const translated = translateS3Error(err, this.context('delete', key));
      if (!(translated instanceof ObjectNotFoundError)) throw translated;
    }
  }

  async usage(): Promise<StorageUsage> {
    const usage = { objects: 0, bytes: 0 };
    for await (const object of this.list('')) {
      usage.objects += 1;
      usage.bytes += object.size;
    }
    return usage;
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw translateS3Error(err, this.context('ping'));
    }
  }

  /**
   * Multipart uploads started and never completed nor aborted (the process died mid-put; a put that fails
   * in-process aborts its own). Uploads under keys this adapter could never have written are someone
   * else's and are left out. Paged by key and upload id markers, so aborting while iterating is safe.
   */
  async *listIncomplete(olderThan: Date): AsyncIterable<IncompleteUpload> {
    if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) throw new TypeError('olderThan must be a valid Date');
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page: ListMultipartUploadsCommandOutput;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
      } catch (err) {
        throw this.translateIncomplete(err, 'listing unfinished multipart uploads', this.context('list'));
      }
      for (const upload of page.Uploads ?? []) {
        // Without a start time its age is unknown: leave it rather than risk aborting a live upload.
        if (!upload.Key || !upload.UploadId || !upload.Initiated || !isOurUpload(upload.Key, upload.UploadId)) continue;
        if (upload.Initiated.getTime() < olderThan.getTime()) {
          yield { id: incompleteUploadId(upload.Key, upload.UploadId), key: upload.Key, startedAt: upload.Initiated };
        }
      }
      if (!page.IsTruncated) return;
      if (!page.NextKeyMarker || (page.NextKeyMarker === keyMarker && page.NextUploadIdMarker === uploadIdMarker)) {
        // A provider that says "more" without moving on would otherwise keep this loop going forever.
        const at = JSON.stringify(keyMarker ?? '');
        throw new StorageError('STORAGE.READ_FAILED', `${this.name}: listing unfinished multipart uploads did not advance past ${at}`, this.name);
      }
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Aborts a multipart upload listed by listIncomplete; its parts are freed. One already gone (NoSuchUpload) is fine. */
  async abortIncomplete(id: string): Promise<void> {
    const { key, uploadId } = parseIncompleteUploadId(id);
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (err) {
      if ((err as { name?: string } | undefined)?.name === 'NoSuchUpload') return;
      const translated = this.translateIncomplete(err, 'aborting multipart uploads', this.context('delete', key));
      if (!(translated instanceof ObjectNotFoundError)) throw translated;
    }
  }

  /** Releases the client's sockets (tests, shutdown). */
  destroy(): void {
    this.client.destroy();
  }

  /**
   * A provider that stored something other than the bytes sent (the aws-chunked pitfall) must not
   * be reported as holding the backup: the object is removed and the put fails.
   */
  private async verifySize(key: string, sent: number): Promise<number> {
    const stored = await this.head(key);
    if (stored?.size === sent) return sent;
    await this.delete(key).catch(() => undefined);
    throw new StorageWriteFailedError(
      this.name,
      `${this.name}: put "${key}" stored ${stored ? `${stored.size} bytes` : 'nothing'} but ${sent} bytes were sent`,
    );
  }

  private translateIncomplete(err: unknown, what: string, ctx: S3ErrorContext): StorageError {
    if (!isUnsupportedCall(err)) return translateS3Error(err, ctx);
    const vendor = (err as Error | undefined)?.name ?? 'error';
    return new StorageMisconfiguredError(`${this.name}: the provider does not support ${what} (${vendor})`, this.name);
  }

  private context(operation: S3ErrorContext['operation'], key?: string): S3ErrorContext {
    return { provider: this.name, operation, key, bucket: this.bucket, secrets: this.secrets };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
