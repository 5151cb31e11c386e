import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, TransformCallback } from 'node:stream';
import { Client } from 'pg';
import { unsealStream } from '../archive/sealed-archive';
import type { KeyRing } from '../crypto';
import type { StoragePort } from '../storage/storage.port';
import { assertEmptyDirectory, extractBaseBackup, locateServerBinaries, OsUser, ownedDirectory, postmasterPid, ServerBinaries, startServer, stopServer } from './local-cluster';
import { PitrError } from './pitr.errors';
import { RecoveryChoice } from './recovery-plan';
import { RecoverySettings, writeRecoveryConfiguration } from './recovery-config';
import { parseWalFileName, segmentStartLsn } from './wal-names';

export type RecoveryPhase = 'downloading base backup' | 'starting server' | 'replaying WAL' | 'replaying WAL to the end of the archive' | 'target reached';

export interface RecoveryRequest {
  choice: RecoveryChoice;
  targetTime: Date;
  /** Providers holding the base backup, tried in order. */
  adapters: StoragePort[];
  ring: KeyRing;
  dataDir: string;
  logFile: string;
  owner?: OsUser;
  binDir?: string;
  settings: Omit<RecoverySettings, 'targetTime'>;
  /** The whole environment the server (and so restore_command) gets. */
  serverEnv: NodeJS.ProcessEnv;
  /** `pause` servers are watched over SQL through their socket; this is who connects. */
  probe?: { socketDir: string; user?: string; database: string };
  timeoutMs: number;
  onProgress?: (phase: RecoveryPhase, percent: number) => void | Promise<void>;
}

export interface RecoveryOutcome {
  binaries: ServerBinaries;
  /** `target`: PostgreSQL stopped at the target time. `end-of-archive`: no commit after the target was archived, so the end of the archive is the state at the target. */
  reachedBy: 'target' | 'end-of-archive';
  /** Still in recovery (paused at the target) or promoted. */
  state: 'paused' | 'promoted';
}

const POLL_MS = 200;

/**
 * Recovers a new data directory to `targetTime`: the chosen base backup downloaded, decrypted and unpacked, the recovery
 * settings written, the server started as its OS user, and watched until it reaches the target (paused, or promoted).
 * If PostgreSQL ends recovery because the archive holds no commit after the target while the archive does reach the
 * target, nothing happened between them: recovery then replays to the end of the archive, which is that same state.
 * On failure the server is stopped; the caller owns the directory.
 */
export async function recoverToTime(request: RecoveryRequest): Promise<RecoveryOutcome> {
  const { choice, dataDir, owner } = request;
  const progress = async (phase: RecoveryPhase, percent: number) => request.onProgress?.(phase, Math.max(0, Math.min(100, Math.floor(percent))));
  await assertEmptyDirectory(dataDir);
  await ownedDirectory(dataDir, owner);
  await progress('downloading base backup', 0);
  await downloadBase(request, (done) => progress('downloading base backup', (40 * done) / Math.max(choice.base.storedBytes, 1)));
  const major = Number((await readFile(join(dataDir, 'PG_VERSION'), 'utf8')).trim());
  const binaries = await locateServerBinaries(major, request.binDir);

  const expected = segmentsToReplay(request);
  const run = async (targetTime: Date | undefined, phase: RecoveryPhase) => {
    await writeRecoveryConfiguration(dataDir, { ...request.settings, targetTime }, owner);
    await progress('starting server', 40);
    const logOffset = await stat(request.logFile).then((s) => s.size, () => 0);
    await startServer(binaries, dataDir, request.logFile, owner, request.serverEnv);
    return waitForRecovery(request, targetTime ? request.settings.action : 'promote', logOffset, (restored) => progress(phase, 40 + (55 * restored) / Math.max(expected, 1)));
  };
  try {
    try {
      const state = await run(request.targetTime, 'replaying WAL');
      await progress('target reached', 100);
      return { binaries, reachedBy: 'target', state };
    } catch (error) {
      if (!(error instanceof PitrError && error.code === 'PITR.TARGET_NOT_REACHED') || choice.coveredUntil.getTime() < request.targetTime.getTime()) throw error;
      const state = await run(undefined, 'replaying WAL to the end of the archive');
      await progress('target reached', 100);
      return { binaries, reachedBy: 'end-of-archive', state };
    }
  } catch (error) {
    await stopServer(binaries, dataDir, owner, 'immediate');
    throw error;
  }
}

/** The base backup from the first provider that has an intact copy: streamed, decrypted, unpacked; its sha256 checked. */
async function downloadBase(request: RecoveryRequest, onBytes: (done: number) => void): Promise<void> {
  const { base } = request.choice;
  const problems: string[] = [];
  for (const adapter of request.adapters) {
    let done = 0;
    try {
      const stored = await adapter.get(base.key);
      const counted = stored.pipe(new Counter((n) => onBytes((done += n))));
      stored.once('error', (error) => counted.destroy(error));
      const plain = unsealStream(counted, request.ring, { kind: 'platform' });
      await extractBaseBackup(plain.stream, request.dataDir, request.owner);
      if (plain.storedSha256() !== base.sha256) throw new PitrError('PITR.WAL_DAMAGED', `the base backup's sha256 at ${adapter.name} is not the recorded one`);
      return;
    } catch (error) {
      problems.push(`${adapter.name}: ${(error as Error).message}`);
      // A half-unpacked directory is emptied before the next copy is tried.
      for (const name of await readdir(request.dataDir).catch(() => [] as string[])) await rm(join(request.dataDir, name), { recursive: true, force: true });
    }
  }
  throw new PitrError('PITR.WAL_UNAVAILABLE', `base backup ${base.id} could not be read from any provider: ${problems.join('; ')}`);
}

class Counter extends Transform {
  constructor(private readonly onBytes: (n: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.onBytes(chunk.length);
    callback(null, chunk);
  }
}

/** Roughly how many segments recovery replays: from the base's first segment to the last one the archive holds. */
function segmentsToReplay(request: RecoveryRequest): number {
  const { walk, base } = request.choice;
  if (!walk.lastContiguous) return 1;
  const first = segmentStartLsn(parseWalFileName(walk.firstSegment), base.walSegmentSize);
  const last = segmentStartLsn(parseWalFileName(walk.lastContiguous), base.walSegmentSize);
  return Number((last - first) / BigInt(base.walSegmentSize)) + 1;
}

/**
 * Watches a starting server until it is where it was asked to be: paused at the target (asked over SQL through its
 * socket), or promoted (recovery.signal gone and the server accepting writes). A server that stops is reported with
 * its log's reason; a recovery that ran out of WAL before the target as PITR.TARGET_NOT_REACHED. Only the log written
 * since `logOffset` (this start) counts.
 */
async function waitForRecovery(request: RecoveryRequest, action: 'promote' | 'pause', logOffset: number, onRestored: (files: number) => Promise<void>): Promise<'paused' | 'promoted'> {
  const deadline = Date.now() + request.timeoutMs;
  let reported = -1;
  let lastError = '';
  for (;;) {
    const log = (await readFile(request.logFile).catch(() => Buffer.alloc(0))).subarray(logOffset).toString('utf8');
    const restored = (log.match(/restored log file "/g) ?? []).length;
    if (restored !== reported) await onRestored((reported = restored));
    const running = (await postmasterPid(request.dataDir)) !== undefined;
    if (!running && /database system is shut down|could not start|FATAL|PANIC/.test(log)) {
      const reason = serverFailure(log);
      if (/recovery ended before configured recovery target was reached/.test(log)) {
        throw new PitrError('PITR.TARGET_NOT_REACHED', `recovery ended before ${request.targetTime.toISOString()}: the archive holds no transaction after it (${reason})`);
      }
      throw new PitrError('PITR.SERVER_FAILED', `the recovering server stopped: ${reason}`);
    }
    if (running && action === 'promote') {
      const signal = await stat(join(request.dataDir, 'recovery.signal')).then(() => true, () => false);
      if (!signal && /database system is ready to accept connections/.test(log)) return 'promoted';
    } else if (running) {
      const state = await pauseState(request).catch((error: Error) => {
        lastError = error.message;
        return undefined;
      });
      if (state) return state;
    }
    if (Date.now() > deadline) {
      throw new PitrError('PITR.TIMEOUT', `the server did not reach ${request.targetTime.toISOString()} within ${Math.round(request.timeoutMs / 1000)} s${lastError ? ` (last: ${lastError})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The last FATAL and PANIC lines of a log: why a server stopped. */
function serverFailure(log: string): string {
  const lines = log.split('\n').filter((line) => /\b(FATAL|PANIC):/.test(line));
  return lines.slice(-3).map((line) => line.replace(/^.*?\b(FATAL|PANIC):\s*/, '$1: ')).join('; ') || 'the server stopped';
}

/** Paused at the target (pg_is_wal_replay_paused: recovery is held there), promoted, or not yet either. */
async function pauseState(request: RecoveryRequest): Promise<'paused' | 'promoted' | undefined> {
  const probe = request.probe;
  if (!probe) throw new Error('a paused recovery needs a probe connection');
  const client = new Client({ host: probe.socketDir, port: request.settings.port, user: probe.user, database: probe.database, application_name: 'tenantvault-pitr', connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ recovering: boolean; paused: boolean }>('select pg_is_in_recovery() as recovering, pg_is_in_recovery() and pg_is_wal_replay_paused() as paused');
    if (!rows[0].recovering) return 'promoted';
    return rows[0].paused ? 'paused' : undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}
