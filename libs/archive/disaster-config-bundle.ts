import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArchiveError } from './archive.errors';
import { configEntryName, DISASTER_MANIFEST_ENTRY, DisasterConfigFile, DisasterManifest, MAX_CONFIG_FILES } from './disaster-manifest';

/** Configuration files are small; anything larger was listed by mistake (a data directory, a log). */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads the files named by DISASTER_CONFIG_PATHS whole, for the manifest (sizes, sha256) and the archive. A missing or
 * unreadable file fails the backup: a bundle silently missing a file would only be noticed on the day it is needed.
 */
export async function readConfigBundle(paths: string[]): Promise<{ files: DisasterConfigFile[]; data: Buffer[] }> {
  if (paths.length > MAX_CONFIG_FILES) throw new ArchiveError('ARCHIVE.INVALID_INPUT', `DISASTER_CONFIG_PATHS lists more than ${MAX_CONFIG_FILES} files`);
  const files: DisasterConfigFile[] = [];
  const data: Buffer[] = [];
  for (const [i, path] of paths.entries()) {
    let body: Buffer;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a regular file');
      if (info.size > MAX_CONFIG_FILE_BYTES) throw new Error(`larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
      body = await readFile(path);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ArchiveError('ARCHIVE.INVALID_INPUT', `DISASTER_CONFIG_PATHS: cannot bundle ${path}: ${reason}`, { cause: err });
    }
    files.push({ path, entry: configEntryName(i + 1, path), bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    data.push(body);
  }
  return { files, data };
}

/**
 * Writes the bundle to `dir` as `<nnn>-<basename>` files next to `disaster-manifest.json` (which maps each back to its
 * original path). Mode 0600, since env files hold secrets; existing files are never overwritten.
 */
export async function writeConfigBundle(dir: string, manifest: DisasterManifest, files: { file: DisasterConfigFile; data: Buffer }[]): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  const put = async (name: string, body: Buffer) => {
    const target = join(dir, name);
    await writeFile(target, body, { flag: 'wx', mode: 0o600 });
    written.push(target);
  };
  await put(DISASTER_MANIFEST_ENTRY, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  for (const { file, data } of files) await put(file.entry.slice('config/'.length), data);
  return written;
}
