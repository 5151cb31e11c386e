import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A test run's temporary directory: `<tmp>/tv-test-run-<unix seconds>_<hex>`. */
export const RUN_DIRECTORY_PREFIX = 'tv-test-run-';
const STALE_AFTER_MS = 6 * 3600 * 1000;

/** Removes the temporary directories of runs that started more than six hours ago and never cleaned up (killed). */
export async function removeStaleRunDirectories(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith(RUN_DIRECTORY_PREFIX)) continue;
    const path = join(parent, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_AFTER_MS) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}
