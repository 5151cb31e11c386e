import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './service-process';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/** Test clusters live in `<tmp>/tv-pgtest-*`: the sweep recognises leftovers of killed runs by this prefix. */
export const TEST_CLUSTER_PREFIX = 'tv-pgtest-';
/** PostgreSQL refuses to run as root: test clusters run as this OS user, in directories it owns. */
export const CLUSTER_OS_USER = 'postgres';

export async function pgBinDir(): Promise<string> {
  return (await run('pg_config', ['--bindir'])).stdout.trim();
}

/** Runs a PostgreSQL tool as the cluster's OS user. */
export async function asPostgres(tool: string, args: string[]): Promise<string> {
  const { stdout } = await run('runuser', ['-u', CLUSTER_OS_USER, '--', join(await pgBinDir(), tool), ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export async function osUserIds(name = CLUSTER_OS_USER): Promise<{ uid: number; gid: number }> {
  const [, , uid, gid] = (await run('getent', ['passwd', name])).stdout.trim().split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Gives a directory tree to the cluster's OS user (its WAL archive is written by archive_command, run as that user). */
export async function chownToPostgres(path: string): Promise<void> {
  await run('chown', ['-R', `${CLUSTER_OS_USER}:${CLUSTER_OS_USER}`, path]);
}

export interface TestCluster {
  /** Root of everything this cluster owns: data, socket, log. */
  root: string;
  dataDir: string;
  port: number;
  url(database: string): string;
  query<T extends object = Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** Closes the current WAL segment (pg_switch_wal) and waits until PostgreSQL has archived it; returns its name. */
  switchAndArchive(timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
  /** Stops it and deletes its directory. */
  remove(): Promise<void>;
}

/**
 * A PostgreSQL cluster of its own for a test: initdb as the postgres OS user in `<tmp>/tv-pgtest-*`, on a free port
 * on 127.0.0.1 with trust authentication (also for replication), `settings` appended to postgresql.conf.
 */
export async function startTestCluster(options: { port?: number; settings?: (root: string) => Record<string, string>; walSegmentMb?: number; beforeStart?: (root: string) => Promise<void> } = {}): Promise<TestCluster> {
  const root = await mkdtemp(join(tmpdir(), TEST_CLUSTER_PREFIX));
  await chmod(root, 0o755);
  await writeFile(join(root, 'owner.pid'), String(process.pid));
  await chownToPostgres(root);
  const dataDir = join(root, 'data');
  const port = options.port ?? (await freePort());
  await asPostgres('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', `--wal-segsize=${options.walSegmentMb ?? 16}`]);
  const settings = { port: String(port), listen_addresses: "'127.0.0.1'", unix_socket_directories: `'${root}'`, fsync: 'off', ...options.settings?.(root) };
  await writeFile(join(dataDir, 'postgresql.conf'), `${await readFile(join(dataDir, 'postgresql.conf'), 'utf8')}\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
  await options.beforeStart?.(root);
  await asPostgres('pg_ctl', ['start', '-w', '-D', dataDir, '-l', join(root, 'server.log')]);
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const query = async <T extends object>(database: string, sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<T & Record<string, unknown>>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const stop = async () => {
    await asPostgres('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']).catch(() => undefined);
  };
  return {
    root,
    dataDir,
    port,
    url,
    query,
    async switchAndArchive(timeoutMs = 60_000) {
      // A record first, so that the switch really closes a segment (and wakes the archiver) even on an idle cluster.
      await query('postgres', `select pg_logical_emit_message(false, 'tenantvault-test', 'switch')`);
      const [{ file }] = await query<{ file: string }>('postgres', 'select pg_walfile_name(pg_switch_wal()) as file');
      await waitFor(`${file} to be archived`, async () => {
        const [{ last }] = await query<{ last: string | null }>('postgres', 'select last_archived_wal as last from pg_stat_archiver');
        return last !== null && last.slice(0, 24) >= file;
      }, timeoutMs, 100);
      return file;
    },
    stop,
    async remove() {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Stops a server running on `dataDir` (if any) as the cluster's OS user. */
export async function stopServerAt(dataDir: string): Promise<void> {
  await asPostgres('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']).catch(() => undefined);
}

/** Test clusters of runs that were killed (their owner process is gone): their servers stopped, directories removed. */
export async function sweepTestClusters(): Promise<string[]> {
  const names = (await readdir(tmpdir()).catch(() => [] as string[])).filter((n) => n.startsWith(TEST_CLUSTER_PREFIX));
  const swept: string[] = [];
  for (const name of names) {
    const root = join(tmpdir(), name);
    const owner = Number(await readFile(join(root, 'owner.pid'), 'utf8').catch(() => '0'));
    if (owner > 0 && alive(owner)) continue;
    swept.push(name);
    for (const entry of await readdir(root).catch(() => [] as string[])) {
      const pid = Number((await readFile(join(root, entry, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          // already gone
        }
      }
    }
    await rm(root, { recursive: true, force: true });
  }
  return swept;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL servers whose command line mentions `path` (a data directory that must be gone). */
export async function serversUnder(path: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((line) => line.includes(path) && /postgres|postmaster/.test(line));
}

/** A directory the cluster's OS user owns (a local provider written by archive_command, a scratch root). */
export async function postgresOwnedDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true, mode: 0o755 });
  const { uid, gid } = await osUserIds();
  await chown(path, uid, gid);
  return path;
}
