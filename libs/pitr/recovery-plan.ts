import { Lsn } from './lsn';
import { PitrError } from './pitr.errors';
import { parseTimelineHistory, timelinePath, TimelineStretch } from './timeline-history';
import { ArchivedFile, ChainWalk, walkChain } from './wal-chain';
import { historyFileName, parseWalFileName } from './wal-names';

/** A base backup as recovery needs it: where it is stored and the WAL range its sidecar records. */
export interface RecoveryBase {
  id: string;
  key: string;
  sha256: string;
  storedBytes: number;
  timeline: number;
  startLsn: Lsn;
  stopLsn: Lsn;
  startedAt: Date;
  stoppedAt: Date;
  walSegmentSize: number;
}

/** What the archive holds: the base backups with their ranges, and every archived WAL file (at one provider at least). */
export interface ArchiveView {
  bases: RecoveryBase[];
  archived: ReadonlyMap<string, ArchivedFile>;
  /** Text of archived timeline history files, by timeline (read on demand by the caller). */
  histories: ReadonlyMap<number, string>;
}

/** The timeline recovery follows (`recovery_target_timeline = 'latest'`): the newest one with a history file or a segment. */
export function latestTimeline(archived: ReadonlyMap<string, ArchivedFile>): number | undefined {
  let latest: number | undefined;
  for (const name of archived.keys()) {
    const file = parseWalFileName(name);
    if (file.kind !== 'segment' && file.kind !== 'history') continue;
    if (latest === undefined || file.timeline > latest) latest = file.timeline;
  }
  return latest;
}

/** History files the caller must read for `latestTimeline`: only the newest one (it holds the whole ancestry). */
export function historyFilesNeeded(archived: ReadonlyMap<string, ArchivedFile>): string[] {
  const latest = latestTimeline(archived);
  if (latest === undefined || latest === 1) return [];
  const name = historyFileName(latest);
  return archived.has(name) ? [name] : [];
}

export function pathOf(view: ArchiveView): TimelineStretch[] {
  const latest = latestTimeline(view.archived) ?? Math.max(1, ...view.bases.map((b) => b.timeline));
  const text = view.histories.get(latest);
  return timelinePath(latest, text ? parseTimelineHistory(text) : []);
}

export interface BaseCoverage {
  base: RecoveryBase;
  walk: ChainWalk;
}

/** Each base backup's chain, newest base first. */
export function coverageOf(view: ArchiveView): BaseCoverage[] {
  const path = pathOf(view);
  return [...view.bases]
    .sort((a, b) => b.stoppedAt.getTime() - a.stoppedAt.getTime())
    .map((base) => ({ base, walk: walkChain({ id: base.id, timeline: base.timeline, startLsn: base.startLsn, stopLsn: base.stopLsn, stoppedAt: base.stoppedAt }, path, view.archived, base.walSegmentSize) }));
}

/** The span of time recovery can reach: from the oldest usable base backup's end to where the newest one's WAL stops. */
export interface RecoverableRange {
  from: Date | null;
  to: Date | null;
  /** The newest base backup's chain, where the archive ends or breaks. */
  lastSegment: string | null;
  gaps: { first: string; last: string; count: number; after: string | null }[];
  baseBackups: number;
}

export function recoverableRange(coverage: BaseCoverage[]): RecoverableRange {
  const usable = coverage.filter((c) => c.walk.usable);
  const newest = usable[0];
  return {
    from: usable.length ? usable[usable.length - 1].base.stoppedAt : null,
    to: newest?.walk.coveredUntil ?? null,
    lastSegment: newest?.walk.lastContiguous ?? null,
    gaps: (newest ?? coverage[0])?.walk.gaps.map((g) => ({ ...g, after: (newest ?? coverage[0]).walk.lastContiguous })) ?? [],
    baseBackups: usable.length,
  };
}

export function describeRange(range: RecoverableRange): string {
  if (!range.from || !range.to) return 'nothing can be recovered yet: no base backup with its WAL is archived';
  return `the archive covers ${range.from.toISOString()} to ${range.to.toISOString()}`;
}

export interface RecoveryChoice {
  base: RecoveryBase;
  walk: ChainWalk;
  /** Whether the archive ends at or after the target: PostgreSQL then finds no commit after it only if none was made. */
  coveredUntil: Date;
}

/**
 * The base backup to recover `target` from: the newest whose recovery is consistent before `target`, with WAL up to
 * it and no gap in between. Refused (PITR.NOT_COVERED) with the range that is covered, and the gap when one is why.
 */
export function chooseBase(coverage: BaseCoverage[], target: Date): RecoveryChoice {
  const range = recoverableRange(coverage);
  const candidates = coverage.filter((c) => c.walk.usable && c.base.stoppedAt.getTime() <= target.getTime());
  const chosen = candidates[0];
  if (!chosen) {
    throw new PitrError('PITR.NOT_COVERED', `${target.toISOString()} is not covered: ${range.from && target < range.from ? `it is before the oldest base backup; ` : ''}${describeRange(range)}`);
  }
  const until = chosen.walk.coveredUntil;
  if (!until || until.getTime() < target.getTime()) {
    const gap = chosen.walk.gaps[0];
    const why = gap
      ? `WAL segment ${gap.first}${gap.count > 1 ? ` (and ${gap.count - 1} after it)` : ''} is missing at every provider, so recovery cannot go past ${until?.toISOString() ?? 'the base backup'}`
      : `it is past the newest archived WAL (${chosen.walk.lastContiguous ?? 'none'}, closed at ${until?.toISOString() ?? 'unknown'})`;
    throw new PitrError('PITR.NOT_COVERED', `${target.toISOString()} is not covered: ${why}; ${describeRange(range)}`);
  }
  return { base: chosen.base, walk: chosen.walk, coveredUntil: until };
}


