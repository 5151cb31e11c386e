import { ChildProcess, execFile, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { libpqEnv, ParsedPgUrl, PgConnection } from './pg-connection';
import { PostgresToolError } from './pg-tools.errors';

const run = promisify(execFile);

export type PgToolName = 'pg_dump' | 'pg_restore';

export interface PgTool {
  name: PgToolName;
  path: string;
  /** `<major>.<minor>`, e.g. `15.20`. */
  version: string;
  major: number;
}

/** How much of a tool's stderr is kept for the error message: the reason is at the end. */
const STDERR_TAIL = 4096;

/** PATH first, then the per-version folders of Debian/Ubuntu and RHEL packages, newest first. */
export async function defaultToolDirs(): Promise<string[]> {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const versioned = async (root: string, pattern: RegExp, bin: (name: string) => string) => {
    const names = await readdir(root).catch(() => [] as string[]);
    return names.filter((n) => pattern.test(n)).sort((a, b) => Number(b.replace(/\D/g, '')) - Number(a.replace(/\D/g, ''))).map(bin);
  };
  return [
    ...onPath,
    ...(await versioned('/usr/lib/postgresql', /^\d+$/, (v) => join('/usr/lib/postgresql', v, 'bin'))),
    ...(await versioned('/usr', /^pgsql-\d+$/, (v) => join('/usr', v, 'bin'))),
  ];
}

/**
 * Finds `pg_dump`/`pg_restore` of at least `minMajor`: pg_dump refuses a newer server, pg_restore an archive written
 * by a newer pg_dump, so the check is made up front with a message saying what to install.
 */
export async function locatePgTool(name: PgToolName, minMajor: number, dirs?: string[]): Promise<PgTool> {
  const found: PgTool[] = [];
  for (const dir of new Set(dirs ?? (await defaultToolDirs()))) {
    const tool = await probeTool(name, join(dir, name));
    if (!tool) continue;
    if (tool.major >= minMajor) return tool;
    found.push(tool);
  }
  if (found.length === 0) {
    throw new PostgresToolError('PG.TOOL_MISSING', `${name} was not found on PATH or in /usr/lib/postgresql/*/bin; install the PostgreSQL ${minMajor} client tools (e.g. apt-get install postgresql-client-${minMajor})`);
  }
  const newest = found.sort((a, b) => b.major - a.major)[0];
  const why = name === 'pg_dump' ? `the server is PostgreSQL ${minMajor}` : `the dump was written by pg_dump ${minMajor}`;
  throw new PostgresToolError('PG.TOOL_VERSION', `${name} ${newest.version} (${newest.path}) is too old: ${why}; install the PostgreSQL ${minMajor} client tools`);
}

async function probeTool(name: PgToolName, path: string): Promise<PgTool | null> {
  try {
    const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
    const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(stdout);
    return match ? { name, path, version: `${match[1]}.${match[2] ?? '0'}`, major: Number(match[1]) } : null;
  } catch {
    return null; // not there, or not executable
  }
}

/** The major version of a `15.20`-style version string. */
export function majorOf(version: string): number {
  return Number.parseInt(version, 10);
}

/** Replaces each secret (raw and percent-encoded), and any `scheme://user:password@` left in the text, with `***`. */
export function redactSecrets(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, safeDecode(secret), encodeURIComponent(secret), percentEncodeAll(secret)])) if (form.length >= 3) out = out.split(form).join('***');
  }
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@]*@/gi, '$1***@');
}

/** Every byte but letters and digits as %XX: how some clients write a password into a URL. */
function percentEncodeAll(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * `pg_dump -Fc` of the database `connection` names, as a stream. It ends only once pg_dump has exited 0; a non-zero exit
 * destroys it with the reason from stderr, so whatever consumes it (the upload) fails instead of completing.
 * Compression is off: the whole archive is gzipped afterwards, compressing twice would only cost CPU.
 * With `snapshot` (pg_export_snapshot() of a transaction kept open meanwhile), the dump sees exactly that snapshot.
 * Destroying the stream stops pg_dump.
 */
export function pgDumpStream(tool: PgTool, connection: ParsedPgUrl | PgConnection, options: { snapshot?: string } = {}): Readable {
  const args = ['--format=custom', '--compress=0', '--no-password', ...(options.snapshot ? [`--snapshot=${options.snapshot}`] : [])];
  const child = spawn(tool.path, args, { env: libpqEnv(connection), stdio: ['ignore', 'pipe', 'pipe'] });
  const out = new PassThrough();
  const stderr = collectStderr(child);
  child.stdout!.pipe(out, { end: false });
  child.once('error', (err) => out.destroy(new PostgresToolError('PG.TOOL_FAILED', `pg_dump could not start: ${err.message}`)));
  child.once('close', (code, signal) => {
    if (code === 0) out.end();
    else out.destroy(toolFailure('pg_dump', code, signal, stderr(), connection.password));
  });
  out.once('close', () => stop(child));
  return out;
}

/**
 * Feeds `input` (a custom-format dump) to pg_restore into the database `connection` names. Resolves when pg_restore exits 0
 * and the input has been read to its end; rejects with the input's error (pg_restore is then stopped) or with
 * pg_restore's reason from stderr.
 */
export async function runPgRestore(tool: PgTool, connection: PgConnection, input: Readable, options: { clean: boolean }): Promise<void> {
  // pg_restore writes into a database only when given --dbname; a conninfo holding nothing but the quoted name keeps a
  // name such as "x host=other" from being read as connection parameters (the rest comes from the environment).
  const flags = ['--no-owner', '--exit-on-error', '--no-password', `--dbname=dbname=${conninfoValue(connection.database)}`, ...(options.clean ? ['--clean', '--if-exists'] : [])];
  const child = spawn(tool.path, flags, { env: libpqEnv(connection), stdio: ['pipe', 'ignore', 'pipe'] });
  const stderr = collectStderr(child);
  let inputError: Error | undefined;

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (err) => reject(new PostgresToolError('PG.TOOL_FAILED', `pg_restore could not start: ${err.message}`)));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const consumed = new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('error', (err) => {
      inputError = err;
      stop(child);
      resolve();
    });
  });
  // pg_restore may stop reading before the end (or fail): the rest is drained, its exit status tells the outcome.
  child.stdin!.on('error', () => {
    input.unpipe(child.stdin!);
    input.resume();
  });
  input.pipe(child.stdin!);

  const { code, signal } = await exited;
  if (code !== 0 && !inputError) {
    input.destroy();
    throw toolFailure('pg_restore', code, signal, stderr(), connection.password);
  }
  await consumed;
  if (inputError) throw inputError;
}

/** A libpq conninfo value: single-quoted, with backslash and quote escaped. */
export function conninfoValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function collectStderr(child: ChildProcess): () => string {
  let tail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    tail = (tail + text).slice(-STDERR_TAIL);
  });
  return () => tail;
}

function toolFailure(name: PgToolName, code: number | null, signal: NodeJS.Signals | null, stderr: string, password: string | undefined): PostgresToolError {
  const reason = stderr.trim().split('\n').map((line) => line.trim()).filter(Boolean).join('; ');
  const status = code === null ? `was stopped by ${signal}` : `exited with code ${code}`;
  return new PostgresToolError('PG.TOOL_FAILED', redactSecrets(`${name} ${status}${reason ? `: ${reason}` : ''}`, [password]));
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
