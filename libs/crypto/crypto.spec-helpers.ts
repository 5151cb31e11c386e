/** Helpers for the crypto specs: drive the streams over in-memory buffers and pick sealed objects apart. */
import { createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, createEncryptStream, CryptoError, EnvelopeHeader, KeyContext, KeyRing } from './index';

export const TENANT_A: KeyContext = { kind: 'tenant', tenantId: 'acme' };
export const TENANT_B: KeyContext = { kind: 'tenant', tenantId: 'globex' };
export const PLATFORM: KeyContext = { kind: 'platform' };

/** Splits `data` into pieces whose sizes come from `nextSize` (all at once by default). */
export function pieces(data: Buffer, nextSize: () => number = () => data.length): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    const n = Math.max(1, nextSize());
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

export function randomSizes(max: number, seed = 1): () => number {
  // Small deterministic PRNG so a failing case can be reproduced.
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return 1 + ((s >>> 0) % max);
  };
}

async function collect(source: Buffer[], transform: NodeJS.ReadWriteStream): Promise<{ output: Buffer; error?: unknown }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  try {
    await pipeline(Readable.from(source, { objectMode: false }), transform, sink);
    return { output: Buffer.concat(chunks) };
  } catch (error) {
    return { output: Buffer.concat(chunks), error };
  }
}

export async function seal(
  plaintext: Buffer,
  ring: KeyRing,
  ctx: KeyContext,
  options?: { chunkSize?: number; compression?: string },
  nextSize?: () => number,
): Promise<Buffer> {
  const { output, error } = await collect(pieces(plaintext, nextSize), createEncryptStream(ring, ctx, options));
  if (error) throw error;
  return output;
}

export interface OpenResult {
  /** Everything the decrypt stream emitted, even when it failed afterwards. */
  output: Buffer;
  error?: CryptoError;
  header?: EnvelopeHeader;
}

export async function open(sealed: Buffer, ring: KeyRing, expected?: KeyContext, nextSize?: () => number): Promise<OpenResult> {
  const stream = createDecryptStream(ring, expected);
  let header: EnvelopeHeader | undefined;
  stream.on('header', (h: EnvelopeHeader) => (header = h));
  const { output, error } = await collect(pieces(sealed, nextSize), stream);
  if (error !== undefined && !(error instanceof CryptoError)) throw error;
  return { output, error: error as CryptoError | undefined, header };
}

/** The layout of a sealed object, computed from the format description alone. */
export function layout(sealed: Buffer): { headerLength: number; json: Record<string, unknown>; records: Buffer[] } {
  const headerLength = 9 + sealed.readUInt32BE(5);
  const json = JSON.parse(sealed.subarray(9, headerLength).toString('utf8')) as Record<string, unknown>;
  const recordSize = (json.chunkSize as number) + 16;
  const records: Buffer[] = [];
  for (let i = headerLength; i < sealed.length; i += recordSize) records.push(sealed.subarray(i, i + recordSize));
  return { headerLength, json, records };
}

/** Re-encodes a header with edited JSON fields, keeping the records as they were. */
export function withHeader(sealed: Buffer, edit: (json: Record<string, unknown>) => void): Buffer {
  const { headerLength, json } = layout(sealed);
  edit(json);
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  const preamble = Buffer.from(sealed.subarray(0, 9));
  preamble.writeUInt32BE(body.length, 5);
  return Buffer.concat([preamble, body, sealed.subarray(headerLength)]);
}

/**
 * An independent decryptor written from docs/FORMAT.md with plain node:crypto calls, so the specs check the
 * documented format and not merely that the streams agree with each other.
 */
export function referenceDecrypt(sealed: Buffer, secret: Buffer): Buffer {
  if (sealed.subarray(0, 4).toString('latin1') !== 'TVBK' || sealed[4] !== 1) throw new Error('bad magic/version');
  const headerLength = 9 + sealed.readUInt32BE(5);
  const header = sealed.subarray(0, headerLength);
  const h = JSON.parse(header.subarray(9).toString('utf8'));
  const kek = Buffer.from(hkdfSync('sha256', secret, Buffer.from(h.salt, 'base64'), `tenantvault/v1/kek/${h.context}`, 32));
  const wrapped = Buffer.from(h.wrappedKey, 'base64');
  const unwrap = createDecipheriv('aes-256-gcm', kek, Buffer.from(h.wrapNonce, 'base64'));
  unwrap.setAAD(Buffer.from(`tenantvault/v1/wrap/${h.context}`));
  unwrap.setAuthTag(wrapped.subarray(32));
  const dataKey = Buffer.concat([unwrap.update(wrapped.subarray(0, 32)), unwrap.final()]);
  const aad = createHash('sha256').update(header).digest();
  const recordSize = h.chunkSize + 16;
  const out: Buffer[] = [];
  let pos = headerLength;
  for (let i = 0; ; i++) {
    const record = sealed.subarray(pos, pos + recordSize);
    const last = record.length < recordSize;
    const nonce = Buffer.concat([Buffer.from(h.noncePrefix, 'base64'), Buffer.alloc(5)]);
    nonce.writeUInt32BE(i, 7);
    nonce[11] = last ? 1 : 0;
    const d = createDecipheriv('aes-256-gcm', dataKey, nonce);
    d.setAAD(aad);
    d.setAuthTag(record.subarray(record.length - 16));
    out.push(d.update(record.subarray(0, record.length - 16)), d.final());
    pos += record.length;
    if (last) break;
  }
  if (pos !== sealed.length) throw new Error('data after final chunk');
  return Buffer.concat(out);
}
