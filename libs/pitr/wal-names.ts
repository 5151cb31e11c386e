import { WAL_FILE_NAME } from '../storage/storage-keys';
import { Lsn } from './lsn';
import { PitrError } from './pitr.errors';

/**
 * The files PostgreSQL hands its archive_command: WAL segments (`TTTTTTTTLLLLLLLLSSSSSSSS`: timeline, log id and
 * segment, in hex), timeline history files (`TTTTTTTT.history`), backup history files (`<segment>.<offset>.backup`)
 * and the partial last segment of a timeline left at a promotion (`<segment>.partial`).
 */
export type WalFileKind = 'segment' | 'history' | 'backup' | 'partial';

export interface WalFileName {
  name: string;
  kind: WalFileKind;
  timeline: number;
  /** Log id and segment number within it (segments, backup and partial files). */
  log?: number;
  seg?: number;
}

/** Segment sizes initdb accepts (--wal-segsize): powers of two from 1 MiB to 1 GiB. */
export function assertSegmentSize(bytes: number): void {
  if (!Number.isInteger(bytes) || bytes < 1 << 20 || bytes > 1 << 30 || (bytes & (bytes - 1)) !== 0) {
    throw new PitrError('PITR.BAD_WAL_NAME', `${bytes} is not a WAL segment size (a power of two from 1 MiB to 1 GiB)`);
  }
}

export function isWalFileName(name: unknown): name is string {
  return typeof name === 'string' && WAL_FILE_NAME.test(name);
}

/** Strict: anything but a name PostgreSQL writes is refused before it reaches a path or a storage key. */
export function parseWalFileName(name: string): WalFileName {
  if (!isWalFileName(name)) throw new PitrError('PITR.BAD_WAL_NAME', `not a WAL file name: ${JSON.stringify(String(name).slice(0, 60))}`);
  const timeline = Number.parseInt(name.slice(0, 8), 16);
  if (timeline === 0) throw new PitrError('PITR.BAD_WAL_NAME', `timeline 0 does not exist: ${name}`);
  if (name.endsWith('.history')) return { name, kind: 'history', timeline };
  const kind: WalFileKind = name.endsWith('.partial') ? 'partial' : name.endsWith('.backup') ? 'backup' : 'segment';
  return { name, kind, timeline, log: Number.parseInt(name.slice(8, 16), 16), seg: Number.parseInt(name.slice(16, 24), 16) };
}

/** Where a segment's bytes begin in the WAL: log id × 4 GiB + segment × segment size. */
export function segmentStartLsn(file: WalFileName, segmentSize: number): Lsn {
  if (file.log === undefined || file.seg === undefined) throw new PitrError('PITR.BAD_WAL_NAME', `${file.name} is not a segment`);
  if (BigInt(file.seg) * BigInt(segmentSize) >= 1n << 32n) throw new PitrError('PITR.BAD_WAL_NAME', `${file.name} does not exist with ${segmentSize}-byte segments`);
  return (BigInt(file.log) << 32n) + BigInt(file.seg) * BigInt(segmentSize);
}

const hex8 = (n: number | bigint) => n.toString(16).toUpperCase().padStart(8, '0');

/** The segment holding `lsn` on `timeline`. */
export function segmentFileName(timeline: number, lsn: Lsn, segmentSize: number): string {
  const size = BigInt(segmentSize);
  const segno = lsn / size;
  const perLog = (1n << 32n) / size;
  return `${hex8(timeline)}${hex8(segno / perLog)}${hex8(segno % perLog)}`;
}

export function historyFileName(timeline: number): string {
  return `${hex8(timeline)}.history`;
}

/** The start of the segment holding `lsn`. */
export function segmentStart(lsn: Lsn, segmentSize: number): Lsn {
  const size = BigInt(segmentSize);
  return (lsn / size) * size;
}
