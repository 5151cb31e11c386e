import { formatLsn, Lsn } from './lsn';
import { TimelineStretch, timelineOfSegment } from './timeline-history';
import { parseWalFileName, segmentFileName, segmentStart, segmentStartLsn } from './wal-names';

/** A base backup as the chain sees it: where its WAL starts, where it becomes consistent, when that was. */
export interface ChainBase {
  id: string;
  timeline: number;
  startLsn: Lsn;
  stopLsn: Lsn;
  stoppedAt: Date;
}

/** One run of segments missing at every provider: recovery cannot replay past `first`. */
export interface WalGap {
  /** First and last missing segment of the run. */
  first: string;
  last: string;
  count: number;
}

export interface ChainWalk {
  baseId: string;
  /** The first segment the base backup needs (holding its start LSN). */
  firstSegment: string;
  /** The segment holding the base backup's stop LSN: recovery from it is consistent once this is replayed. */
  consistentSegment: string;
  /** The last segment reachable without a gap (null: not even the first is archived). */
  lastContiguous: string | null;
  /** When the last contiguous segment was closed (written for the last time): recovery reaches up to this time. */
  coveredUntil: Date | null;
  /** Whether the base backup can be recovered at all (every segment up to `consistentSegment` is archived). */
  usable: boolean;
  /** Missing runs between the first segment and the newest archived one on the timeline path. */
  gaps: WalGap[];
  /** The newest archived segment on the timeline path. */
  newestSegment: string | null;
}

export interface ArchivedFile {
  /** When PostgreSQL last wrote it (the segment file's mtime when pushed). */
  closedAt?: Date;
}

/**
 * Walks the WAL a base backup needs, segment by segment along the timeline path (the history of the timeline
 * recovery follows), from its start to the newest archived segment on that path, and reports where the chain breaks.
 * `archived` holds what is present at one provider at least.
 */
export function walkChain(base: ChainBase, path: TimelineStretch[], archived: ReadonlyMap<string, ArchivedFile>, segmentSize: number): ChainWalk {
  const size = BigInt(segmentSize);
  const onPath = (start: Lsn) => {
    const timeline = timelineOfSegment(path, start, segmentSize);
    return timeline === undefined ? undefined : segmentFileName(timeline, start, segmentSize);
  };
  // The newest segment on the path: the highest start whose expected name is archived.
  let newest: Lsn | undefined;
  for (const name of archived.keys()) {
    const file = parseWalFileName(name);
    if (file.kind !== 'segment') continue;
    const start = segmentStartLsn(file, segmentSize);
    if (onPath(start) === name && (newest === undefined || start > newest)) newest = start;
  }
  const first = segmentStart(base.startLsn, segmentSize);
  const consistent = segmentStart(base.stopLsn, segmentSize);
  const walk: ChainWalk = {
    baseId: base.id,
    firstSegment: onPath(first) ?? segmentFileName(base.timeline, first, segmentSize),
    consistentSegment: onPath(consistent) ?? segmentFileName(base.timeline, consistent, segmentSize),
    lastContiguous: null,
    coveredUntil: null,
    usable: false,
    gaps: [],
    newestSegment: newest === undefined ? null : onPath(newest)!,
  };
  const end = newest === undefined || newest < consistent ? consistent : newest;
  let broken = false;
  let gap: WalGap | undefined;
  for (let start = first; start <= end; start += size) {
    const name = onPath(start);
    const present = name !== undefined && archived.has(name);
    if (present) {
      gap = undefined;
      if (!broken) {
        walk.lastContiguous = name;
        walk.coveredUntil = archived.get(name)!.closedAt ?? null;
      }
      continue;
    }
    broken = true;
    const missing = name ?? `${formatLsn(start)} (no timeline)`;
    if (gap) {
      gap.last = missing;
      gap.count += 1;
    } else {
      gap = { first: missing, last: missing, count: 1 };
      walk.gaps.push(gap);
    }
  }
  walk.usable = walk.lastContiguous !== null && segmentStartLsn(parseWalFileName(walk.lastContiguous), segmentSize) >= consistent;
  return walk;
}
