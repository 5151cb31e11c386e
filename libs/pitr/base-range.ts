import { Readable } from 'node:stream';
import { baseBackupRangeKeyFor } from '../storage/storage-keys';
import type { StoragePort } from '../storage/storage.port';
import { BaseBackupRange } from './base-backup';
import { formatLsn, parseLsn } from './lsn';
import { PitrError } from './pitr.errors';
import { RecoveryBase } from './recovery-plan';
import { readSidecarJson } from './small-json';
import { assertSegmentSize } from './wal-names';

/**
 * The WAL range sidecar of a base backup, `base/<yyyy>/<mm>/<backupId>.pitr.json`, beside the object and its manifest
 * sidecar: where the backup's WAL starts and where recovery from it becomes consistent, and when. Plain JSON, no
 * secret; with the manifest sidecar it is all a recovery needs to know of a base backup without the catalog.
 */
export const BASE_RANGE_FORMAT = 'tenantvault.base-range/1';

export interface BaseRangeSidecar {
  format: typeof BASE_RANGE_FORMAT;
  backupId: string;
  label: string;
  timeline: number;
  startLsn: string;
  stopLsn: string;
  startedAt: string;
  stoppedAt: string;
  walSegmentSize: number;
  serverVersion: string;
  systemIdentifier: string;
}

export interface BaseRangeFacts extends BaseBackupRange {
  walSegmentSize: number;
  serverVersion: string;
  systemIdentifier: string;
}

export function baseRangeSidecar(backupId: string, facts: BaseRangeFacts): BaseRangeSidecar {
  return {
    format: BASE_RANGE_FORMAT,
    backupId,
    label: facts.label,
    timeline: facts.timeline,
    startLsn: formatLsn(facts.startLsn),
    stopLsn: formatLsn(facts.stopLsn),
    startedAt: facts.startedAt.toISOString(),
    stoppedAt: facts.stoppedAt.toISOString(),
    walSegmentSize: facts.walSegmentSize,
    serverVersion: facts.serverVersion,
    systemIdentifier: facts.systemIdentifier,
  };
}

export function parseBaseRange(value: unknown, backupId: string): BaseRangeSidecar {
  const s = value as Partial<BaseRangeSidecar> | null;
  const bad = (what: string) => new PitrError('PITR.BAD_SIDECAR', `WAL range sidecar of base backup ${backupId}: ${what}`);
  if (!s || typeof s !== 'object' || s.format !== BASE_RANGE_FORMAT) throw bad(`format is not ${BASE_RANGE_FORMAT}`);
  if (String(s.backupId).toLowerCase() !== backupId.toLowerCase()) throw bad('backupId does not match');
  if (!Number.isInteger(s.timeline) || s.timeline! < 1) throw bad('timeline is not a timeline');
  parseLsn(String(s.startLsn));
  parseLsn(String(s.stopLsn));
  assertSegmentSize(Number(s.walSegmentSize));
  for (const field of ['startedAt', 'stoppedAt'] as const) if (typeof s[field] !== 'string' || Number.isNaN(Date.parse(s[field]!))) throw bad(`${field} is not a timestamp`);
  return s as BaseRangeSidecar;
}

export function baseRangeBody(sidecar: BaseRangeSidecar): Readable {
  return Readable.from([Buffer.from(JSON.stringify(sidecar, null, 2))]);
}

/** The range sidecar beside a base backup's object; null when it is not there. */
export async function readBaseRange(adapter: StoragePort, objectKey: string, backupId: string): Promise<BaseRangeSidecar | null> {
  const parsed = await readSidecarJson(adapter, baseBackupRangeKeyFor(objectKey), `WAL range sidecar of base backup ${backupId}`);
  return parsed === null ? null : parseBaseRange(parsed, backupId);
}

/** A base backup as recovery sees it, from its manifest sidecar's facts and its range sidecar. */
export function recoveryBaseOf(stored: { id: string; key: string; sha256: string; storedBytes: number }, range: BaseRangeSidecar): RecoveryBase {
  return {
    ...stored,
    timeline: range.timeline,
    startLsn: parseLsn(range.startLsn),
    stopLsn: parseLsn(range.stopLsn),
    startedAt: new Date(range.startedAt),
    stoppedAt: new Date(range.stoppedAt),
    walSegmentSize: range.walSegmentSize,
  };
}
