import { Readable } from 'node:stream';
import { ObjectNotFoundError } from '../storage/storage.errors';
import type { StoragePort } from '../storage/storage.port';
import { PitrError } from './pitr.errors';

/** Sidecars are a few hundred bytes; a larger object is not one, and is refused before it fills memory. */
export const MAX_SIDECAR_BYTES = 64 * 1024;

/**
 * The parsed JSON object at `key`, or null when the provider has no such object (any other storage error is thrown:
 * the provider could not say). `what` names the object in PITR.BAD_SIDECAR errors.
 */
export async function readSidecarJson(adapter: StoragePort, key: string, what: string): Promise<unknown | null> {
  let body: Readable;
  try {
    body = await adapter.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return null;
    throw error;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_SIDECAR_BYTES) {
      body.destroy();
      throw new PitrError('PITR.BAD_SIDECAR', `${what} is larger than ${MAX_SIDECAR_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new PitrError('PITR.BAD_SIDECAR', `${what} is not JSON`);
  }
}
