import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Sha256Meter } from '../../../libs/archive';
import { sidecarKeyFor, StoragePort } from '../../../libs/storage';

/**
 * Copies a backup object from `source` over the copy at `target` (same key), streaming, and keeps the result only if
 * its sha256 is the catalog's; its sidecar comes along when the source has one. Resolves with the bytes stored.
 */
export async function copyGoodCopy(source: StoragePort, target: StoragePort, key: string, sha256: string): Promise<number> {
  const hash = new Sha256Meter();
  const out = new PassThrough();
  const copying = pipeline(await source.get(key), hash, out);
  const storing = target.put(key, out).catch((error: Error) => {
    out.destroy(error); // stops reading the source too
    throw error;
  });
  const [{ size }] = await Promise.all([storing, copying]);
  if (hash.digest() !== sha256) {
    await target.delete(key);
    throw new Error(`the copy read from ${source.name} does not match the recorded sha256`);
  }
  const sidecar = sidecarKeyFor(key);
  if (await source.head(sidecar)) await target.put(sidecar, await source.get(sidecar), { contentType: 'application/json' });
  return size;
}
