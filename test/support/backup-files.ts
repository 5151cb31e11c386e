import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ArchiveManifest, ArchiveSummary } from '../../libs/archive';

const run = promisify(execFile);

/** Runs the compiled operator CLI (`npm run build` first) with the given environment. */
export function runCli(args: string[], env: Record<string, string>, cwd?: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [join(__dirname, '../../dist/src/cli.js'), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd, maxBuffer: 64 * 1024 * 1024 });
}

export interface ExtractedArchive {
  dir: string;
  manifest: ArchiveManifest;
  summary: ArchiveSummary;
  /** The COPY text of one table ('schema.table'): its parts concatenated, as `cat data/<dir>/*` would. */
  tableText(name: string): Promise<string>;
}

/** Extracts a plaintext tar with the system's `tar`, as an operator without TenantVault would. */
export async function extractTar(tarFile: string): Promise<ExtractedArchive> {
  const dir = await mkdtemp(join(tmpdir(), 'tv-extract-'));
  await run('tar', ['-xf', tarFile, '-C', dir]);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ArchiveManifest;
  const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as ArchiveSummary;
  return {
    dir,
    manifest,
    summary,
    async tableText(name) {
      const table = manifest.tables.find((t) => t.name === name);
      if (!table) throw new Error(`table ${name} not in manifest`);
      const folder = join(dir, table.file);
      const parts = (await readdir(folder)).sort();
      return (await Promise.all(parts.map((p) => readFile(join(folder, p), 'utf8')))).join('');
    },
  };
}
