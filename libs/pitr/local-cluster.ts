import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chown, lchown, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import * as tar from 'tar-stream';
import { defaultToolDirs } from '../pg-tools';
import { PitrError } from './pitr.errors';

const run = promisify(execFile);

/**
 * A PostgreSQL server run by TenantVault on this machine: a recovered platform, or a scratch copy used for a tenant's
 * point-in-time restore. PostgreSQL refuses to run as root, so when TenantVault is root the server runs as another OS
 * user (PITR_OS_USER, `postgres` by default), which owns its data directory; otherwise it runs as TenantVault's user.
 */
export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

export interface ServerBinaries {
  dir: string;
  major: number;
  pgCtl: string;
  postgres: string;
  pgBasebackup: string;
}

/**
 * The server binaries of exactly `major` (a data directory only starts under its own major version), all from one
 * installation: `dir` when given (PITR_PG_BIN_DIR), else PATH and /usr/lib/postgresql/<v>/bin, /usr/pgsql-<v>/bin.
 */
export async function locateServerBinaries(major: number, dir?: string): Promise<ServerBinaries> {
  const candidates = dir ? [dir] : [`/usr/lib/postgresql/${major}/bin`, `/usr/pgsql-${major}/bin`, ...(await defaultToolDirs())];
  const seen: string[] = [];
  for (const candidate of new Set(candidates)) {
    const version = await versionOf(join(candidate, 'postgres'));
    if (version === undefined) continue;
    seen.push(`${candidate} (${version})`);
    if (version !== major) continue;
    const tools = { pgCtl: join(candidate, 'pg_ctl'), postgres: join(candidate, 'postgres'), pgBasebackup: join(candidate, 'pg_basebackup') };
    for (const tool of [tools.pgCtl, tools.pgBasebackup]) {
      if ((await versionOf(tool)) !== major) throw new PitrError('PITR.TOOL_MISSING', `${tool} of PostgreSQL ${major} is missing beside ${tools.postgres}`);
    }
    return { dir: candidate, major, ...tools };
  }
  throw new PitrError(
    'PITR.TOOL_MISSING',
    `the PostgreSQL ${major} server binaries (postgres, pg_ctl, pg_basebackup) were not found${dir ? ` in ${dir}` : ''}${seen.length ? `; found ${seen.join(', ')}` : ''}: install postgresql-${major} or set PITR_PG_BIN_DIR`,
  );
}

/** pg_basebackup alone, of at least `major` (it backs up servers of its own or older major versions). */
export async function locatePgBasebackup(major: number, dir?: string): Promise<string> {
  const candidates = dir ? [dir] : [`/usr/lib/postgresql/${major}/bin`, `/usr/pgsql-${major}/bin`, ...(await defaultToolDirs())];
  for (const candidate of new Set(candidates)) {
    const version = await versionOf(join(candidate, 'pg_basebackup'));
    if (version !== undefined && version >= major) return join(candidate, 'pg_basebackup');
  }
  throw new PitrError('PITR.TOOL_MISSING', `pg_basebackup of PostgreSQL ${major} or later was not found: install postgresql-client-${major} or set PITR_PG_BIN_DIR`);
}

async function versionOf(path: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Who runs the server: `name` when this process is root (PostgreSQL refuses root), else this process's own user. */
export async function serverUser(name: string): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) throw new PitrError('PITR.OS_USER', `${JSON.stringify(name.slice(0, 40))} is not an OS user name`);
  const { stdout } = await run('getent', ['passwd', name]).catch(() => ({ stdout: '' }));
  const [, , uid, gid] = stdout.trim().split(':');
  if (uid === undefined || gid === undefined) throw new PitrError('PITR.OS_USER', `the OS user ${name} does not exist: PostgreSQL refuses to run as root, create the user or set PITR_OS_USER`);
  if (Number(uid) === 0) throw new PitrError('PITR.OS_USER', `PITR_OS_USER ${name} is root: PostgreSQL refuses to run as root`);
  return { name, uid: Number(uid), gid: Number(gid) };
}

/** A directory for the server, owned by its user (mode 0700, as PostgreSQL requires of a data directory). */
export async function ownedDirectory(path: string, owner: OsUser | undefined, mode = 0o700): Promise<void> {
  await mkdir(path, { recursive: true, mode });
  if (owner) await chown(path, owner.uid, owner.gid);
}

/** A data directory must be new or empty: a recovery never writes over something that is there. */
export async function assertEmptyDirectory(path: string): Promise<void> {
  const entries = await readdir(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw new PitrError('PITR.DATA_DIR', `${path} cannot be used: ${error.code ?? error.message}`);
  });
  if (entries.length > 0) throw new PitrError('PITR.DATA_DIR', `${path} is not empty: give a new or empty directory`);
  const parent = await stat(dirname(path)).catch(() => null);
  if (!parent?.isDirectory()) throw new PitrError('PITR.DATA_DIR', `the parent directory of ${path} does not exist`);
}

/**
 * Unpacks the tar of a base backup (pg_basebackup -Ft) into `dataDir`, owned by `owner`: regular files and
 * directories only, every path checked to stay inside `dataDir`. Streams, so memory does not grow with the platform.
 */
export async function extractBaseBackup(tarStream: Readable, dataDir: string, owner: OsUser | undefined, onBytes?: (bytes: number) => void): Promise<number> {
  const root = resolve(dataDir);
  const extract = tar.extract();
  let files = 0;
  const take = async (header: tar.Headers, entry: Readable) => {
    const name = normalize(header.name.replace(/^\.\//, ''));
    if (name === '.' || name === '') return entry.resume();
    const target = resolve(root, name);
    if (name.startsWith('/') || name.split(sep).includes('..') || !target.startsWith(root + sep)) throw new PitrError('PITR.DATA_DIR', `the base backup holds a path outside its directory: ${JSON.stringify(header.name.slice(0, 100))}`);
    const mode = (header.mode ?? 0o600) & 0o700;
    if (header.type === 'directory') {
      await mkdir(target, { recursive: true, mode: mode | 0o700 });
      if (owner) await chown(target, owner.uid, owner.gid);
      return entry.resume();
    }
    if (header.type !== 'file') throw new PitrError('PITR.DATA_DIR', `the base backup holds a ${header.type} (${header.name}): only plain files and directories are supported (no tablespaces)`);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const out = createWriteStream(target, { flags: 'wx', mode: mode || 0o600 });
    entry.on('data', (chunk: Buffer) => onBytes?.(chunk.length));
    await pipeline(entry, out);
    if (owner) await lchown(target, owner.uid, owner.gid);
    files += 1;
  };
  extract.on('entry', (header, entry, next) => {
    take(header, entry).then(
      () => next(),
      (error: Error) => {
        entry.resume();
        extract.destroy(error);
      },
    );
  });
  await pipeline(tarStream, extract);
  if (files === 0) throw new PitrError('PITR.DATA_DIR', 'the base backup is empty');
  return files;
}

/** A TCP port nobody listens on now, on this machine. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function asUser(owner: OsUser | undefined): { uid?: number; gid?: number } {
  return owner ? { uid: owner.uid, gid: owner.gid } : {};
}

/** Runs pg_ctl as the server's user; resolves with its exit code and output. */
function pgCtl(binaries: ServerBinaries, args: string[], owner: OsUser | undefined, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(binaries.pgCtl, args, { ...asUser(owner), env, stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4096)));
    child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4096)));
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, output }));
  });
}

/**
 * Starts the server on `dataDir` without waiting (recovery may take long; waitForRecovery watches it), its log in
 * `logFile`. `env` is all the environment it gets: restore_command inherits it.
 */
export async function startServer(binaries: ServerBinaries, dataDir: string, logFile: string, owner: OsUser | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const log = await open(logFile, 'a', 0o600);
  await log.close();
  if (owner) await chown(logFile, owner.uid, owner.gid);
  const { code, output } = await pgCtl(binaries, ['start', '--no-wait', '-D', dataDir, '-l', logFile], owner, env);
  if (code !== 0) throw new PitrError('PITR.SERVER_FAILED', `pg_ctl start failed: ${output.trim()}`);
}

/** The postmaster's pid from postmaster.pid, if that process is alive. */
export async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * Stops the server of `dataDir` if it runs: `fast` for a server someone may still use, `immediate` for a scratch
 * copy about to be deleted. Falls back to signals when pg_ctl cannot do it, and resolves once the postmaster is gone.
 */
export async function stopServer(binaries: ServerBinaries | undefined, dataDir: string, owner: OsUser | undefined, mode: 'fast' | 'immediate'): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined) return;
  if (binaries) await pgCtl(binaries, ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60'], owner, { PATH: process.env.PATH ?? '/usr/bin:/bin' }).catch(() => undefined);
  if ((await postmasterPid(dataDir)) === undefined) return;
  // SIGQUIT is PostgreSQL's immediate shutdown; SIGKILL of the postmaster alone would leave its children behind.
  signal(pid, 'SIGQUIT');
  const deadline = Date.now() + 30_000;
  while ((await postmasterPid(dataDir)) !== undefined) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

export interface ScratchOwner {
  pid: number;
  host: string;
  startedAt: string;
  purpose: string;
  /** The server's socket directory when it could not live inside the scratch directory (a socket path is short). */
  socketDir?: string;
}

/** A Unix socket path (`<dir>/.s.PGSQL.<port>`) is at most 107 bytes on Linux. */
const MAX_SOCKET_PATH = 100;

/**
 * Marks a scratch directory as this process's (the sweep leaves it alone while this process lives) and makes the
 * private directory of its server's socket: inside it when the path is short enough, else a fresh one under /tmp,
 * recorded so that removing the scratch directory removes it too.
 */
export async function claimScratch(dir: string, purpose: string, port: number, owner: OsUser | undefined): Promise<string> {
  const inside = join(dir, 'sock');
  const socketDir = `${inside}/.s.PGSQL.${port}`.length <= MAX_SOCKET_PATH ? inside : await mkdtemp('/tmp/tv-pitr-sock-');
  await ownedDirectory(socketDir, owner);
  const record: ScratchOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), purpose, ...(socketDir === inside ? {} : { socketDir }) };
  await writeFile(join(dir, 'owner.json'), JSON.stringify(record), { mode: 0o600 });
  return socketDir;
}

/**
 * Stops and removes the scratch clusters under `root` named `<prefix>…` whose owner process is gone (a worker killed
 * mid-restore): run at start-up and by the periodic sweep. Returns the directories removed.
 */
export async function sweepScratchClusters(root: string, prefix: string, binaries?: ServerBinaries): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter((n) => n.startsWith(prefix))) {
    const dir = join(root, name);
    const owner = await readFile(join(dir, 'owner.json'), 'utf8').then((t) => JSON.parse(t) as ScratchOwner, () => undefined);
    if (owner && owner.host === hostname() && isAlive(owner.pid)) continue;
    await removeScratch(dir, binaries);
    removed.push(dir);
  }
  return removed;
}

/** Stops the server of a scratch directory (if one runs) and deletes the directory, and its socket directory. */
export async function removeScratch(dir: string, binaries?: ServerBinaries, owner?: OsUser): Promise<void> {
  await stopServer(binaries, join(dir, 'data'), owner, 'immediate');
  const record = await readFile(join(dir, 'owner.json'), 'utf8').then((t) => JSON.parse(t) as ScratchOwner, () => undefined);
  if (record?.socketDir?.startsWith('/tmp/tv-pitr-sock-')) await rm(record.socketDir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
