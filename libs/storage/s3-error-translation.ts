import { ProviderName } from './storage.port';
import {
  ObjectNotFoundError,
  ProviderUnavailableError,
  StorageAccessDeniedError,
  StorageError,
  StorageMisconfiguredError,
  StorageWriteFailedError,
} from './storage.errors';

/** Node and SDK signals that the endpoint is down, unreachable or too slow: the provider is unavailable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'SlowDown',
  'InternalError',
  'NetworkingError',
]);
const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound']);
const DENIED_NAMES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'Unauthorized']);

interface VendorError {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
}

export interface S3ErrorContext {
  provider: ProviderName;
  operation: 'put' | 'get' | 'head' | 'list' | 'delete' | 'ping';
  key?: string;
  bucket: string;
  /** Redacted from every message, in case a vendor ever echoes them back. */
  secrets: string[];
}

function networkCode(err: VendorError): string | undefined {
  if (err.code && NETWORK_CODES.has(err.code)) return err.code;
  // Node's happy-eyeballs connect reports one AggregateError for all the addresses it tried.
  for (const inner of err.errors ?? []) {
    const code = (inner as VendorError | undefined)?.code;
    if (code && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

/**
 * Maps an SDK or network error to the project's errors. The vendor error is deliberately not kept as
 * `cause`: SDK errors carry request and response metadata that must not end up in logs or API answers.
 */
export function translateS3Error(error: unknown, ctx: S3ErrorContext): StorageError {
  if (error instanceof StorageError) return error;
  const err = (error ?? {}) as VendorError;
  const status = err.$metadata?.httpStatusCode;
  const vendor = networkCode(err) ?? err.name ?? 'Error';
  const target = ctx.key ? `"${ctx.key}"` : `bucket "${ctx.bucket}"`;
  const detail = redact(`${vendor}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? ''}`, ctx.secrets).trim();
  const message = `${ctx.provider}: ${ctx.operation} ${target} failed: ${detail}`;

  const notFound = NOT_FOUND_NAMES.has(err.name ?? '') || status === 404;
  if (notFound && ctx.operation !== 'ping' && err.name !== 'NoSuchBucket') {
    return ctx.key ? new ObjectNotFoundError(ctx.key, ctx.provider) : new StorageMisconfiguredError(message, ctx.provider);
  }
  if (err.name === 'NoSuchBucket' || (notFound && ctx.operation === 'ping')) {
    return new StorageMisconfiguredError(`${ctx.provider}: bucket "${ctx.bucket}" does not exist`, ctx.provider);
  }
  if (DENIED_NAMES.has(err.name ?? '') || status === 401 || status === 403) {
    return new StorageAccessDeniedError(ctx.provider, message);
  }
  // No HTTP status at all means no answer arrived: the endpoint is down or unreachable.
  if (networkCode(err) || UNAVAILABLE_NAMES.has(err.name ?? '') || (status !== undefined && status >= 500) || status === undefined) {
    return new ProviderUnavailableError(ctx.provider, message);
  }
  if (ctx.operation === 'put') return new StorageWriteFailedError(ctx.provider, message);
  return new StorageError('STORAGE.READ_FAILED', message, ctx.provider);
}

function redact(text: string, secrets: string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((out, s) => out.split(s).join('***'), text);
}
