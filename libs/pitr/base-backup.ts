import { spawn } from 'node:child_process';
import { PassThrough, Readable, Transform, TransformCallback } from 'node:stream';
import * as tar from 'tar-stream';
import { libpqEnv, ParsedPgUrl, PgConnection, redactSecrets } from '../pg-tools';
import { Lsn, parseLsn } from './lsn';
import { PitrError } from './pitr.errors';

/** Where a base backup's WAL starts and where recovery from it becomes consistent, and when. */
export interface BaseBackupRange {
  timeline: number;
  startLsn: Lsn;
  stopLsn: Lsn;
  /** START TIME of backup_label (the server's clock, second precision). */
  startedAt: Date;
  /** When pg_basebackup had finished (after the server confirmed the WAL was archived): the earliest target time. */
  stoppedAt: Date;
  label: string;
}

/** How much of stderr is kept for the error message: the reason is at the end. */
const STDERR_TAIL = 4096;
/** backup_manifest lists every file; its WAL range is at the very end, so only its tail is kept. */
const MANIFEST_TAIL = 64 * 1024;

/**
 * `pg_basebackup -Ft -D - -X none` of the server `connection` names, as a tar stream (the data directory, with
 * backup_label first and backup_manifest last). `-X none`: the WAL comes from the archive, and the server answers only
 * once the WAL the backup needs has been archived. The tar passing through is read on the side for backup_label and the
 * manifest's WAL range, so `range` resolves, once pg_basebackup exited 0, with the LSNs and times the sidecar records.
 * A non-zero exit destroys the stream with pg_basebackup's reason. Destroying the stream stops pg_basebackup.
 */
export function pgBaseBackupStream(toolPath: string, connection: ParsedPgUrl | PgConnection, options: { label: string; fastCheckpoint: boolean }): { stream: Readable; range: Promise<BaseBackupRange> } {
  const args = ['--format=tar', '--pgdata=-', '--wal-method=none', '--no-password', `--label=${options.label}`, `--checkpoint=${options.fastCheckpoint ? 'fast' : 'spread'}`];
  const child = spawn(toolPath, args, { env: libpqEnv(connection), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => (stderr = (stderr + text).slice(-STDERR_TAIL)));

  const scanner = new BackupFilesScanner();
  const out = new PassThrough();
  child.stdout!.pipe(scanner).pipe(out, { end: false });
  scanner.on('error', (error) => out.destroy(error));

  const range = new Promise<BaseBackupRange>((resolve, reject) => {
    child.once('error', (error) => reject(new PitrError('PITR.TOOL_MISSING', `pg_basebackup could not start: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code !== 0) {
        const reason = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
        return reject(new PitrError('PITR.BASE_BACKUP_FAILED', redactSecrets(`pg_basebackup ${code === null ? `was stopped by ${signal}` : `exited with code ${code}`}${reason ? `: ${reason}` : ''}`, [connection.password])));
      }
      scanner.finished().then(
        (found) => resolve({ timeline: found.timeline, startLsn: found.startLsn, stopLsn: found.stopLsn, startedAt: found.startedAt, stoppedAt: new Date(), label: found.label ?? options.label }),
        (error: Error) => reject(error),
      );
    });
  });
  range.then(
    () => out.end(),
    (error: Error) => out.destroy(error),
  );
  out.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  return { stream: out, range };
}

type Found = Omit<BaseBackupRange, 'stoppedAt' | 'label'> & { label?: string; stopTimeline: number };

/** Passes the tar through unchanged while a tar parser on the side picks out backup_label and the manifest's tail. */
class BackupFilesScanner extends Transform {
  private readonly extract = tar.extract();
  private label?: string;
  private manifestTail = '';
  private readonly done: Promise<void>;

  constructor() {
    super();
    this.extract.on('entry', (header, entry, next) => {
      const name = header.name.replace(/^\.\//, '');
      entry.on('end', next);
      if (name === 'backup_label') {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => (this.label = Buffer.concat(chunks).toString('utf8')));
      } else if (name === 'backup_manifest') {
        entry.setEncoding('utf8');
        entry.on('data', (text: string) => (this.manifestTail = (this.manifestTail + text).slice(-MANIFEST_TAIL)));
      } else {
        entry.resume();
      }
    });
    this.done = new Promise((resolve, reject) => {
      this.extract.once('finish', resolve);
      this.extract.once('error', reject);
    });
    this.done.catch(() => undefined);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // The side parser drains every entry as it comes, so it never holds more than the chunk it is given.
    this.extract.write(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.extract.end();
    callback();
  }

  async finished(): Promise<Found> {
    await this.done;
    if (!this.label) throw new PitrError('PITR.BASE_BACKUP_FAILED', 'the base backup has no backup_label');
    return { ...parseBackupLabel(this.label), ...parseManifestWalRange(this.manifestTail) };
  }
}

/** START WAL LOCATION, START TIME, START TIMELINE and LABEL of a backup_label file. */
export function parseBackupLabel(text: string): { startLsn: Lsn; startedAt: Date; timeline: number; label?: string } {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1]?.trim();
  const location = field('START WAL LOCATION')?.split(' ')[0];
  const time = field('START TIME');
  const timeline = Number(field('START TIMELINE') ?? 'NaN');
  if (!location || !time || !Number.isInteger(timeline)) throw new PitrError('PITR.BASE_BACKUP_FAILED', 'backup_label lacks START WAL LOCATION, START TIME or START TIMELINE');
  const startedAt = new Date(time.replace(' ', 'T').replace(/ UTC$/, 'Z').replace(/ ([+-]\d\d)$/, '$1:00'));
  return { startLsn: parseLsn(location), startedAt: Number.isNaN(startedAt.getTime()) ? new Date(0) : startedAt, timeline, label: field('LABEL') };
}

/** The last WAL range of a backup manifest (PostgreSQL 13+): its end is where recovery becomes consistent. */
export function parseManifestWalRange(tail: string): { stopLsn: Lsn; stopTimeline: number } {
  const ranges = [...tail.matchAll(/"Timeline":\s*(\d+),\s*"Start-LSN":\s*"([0-9A-Fa-f]+\/[0-9A-Fa-f]+)",\s*"End-LSN":\s*"([0-9A-Fa-f]+\/[0-9A-Fa-f]+)"/g)];
  const last = ranges[ranges.length - 1];
  if (!last) throw new PitrError('PITR.BASE_BACKUP_FAILED', 'the base backup manifest has no WAL range (PostgreSQL 13 or later is needed)');
  return { stopLsn: parseLsn(last[3]), stopTimeline: Number(last[1]) };
}
