import { Lsn, parseLsn } from './lsn';
import { PitrError } from './pitr.errors';

/** One line of a timeline history file: the parent timeline and where the child branched off it. */
export interface TimelineSwitch {
  /** The timeline that ended (an ancestor). */
  timeline: number;
  /** The first WAL position that belongs to the next timeline. */
  switchpoint: Lsn;
  reason: string;
}

/** A stretch of WAL history: positions from `begin` (inclusive) up to `end` (exclusive; null: still open) on `timeline`. */
export interface TimelineStretch {
  timeline: number;
  begin: Lsn;
  end: Lsn | null;
}

/**
 * Parses `TTTTTTTT.history` as PostgreSQL writes it: one line per ancestor, `<parent tli>\t<switchpoint>\t<reason>`,
 * oldest first; blank lines and `#` comments are ignored. Each file holds the whole ancestry of its timeline.
 */
export function parseTimelineHistory(text: string): TimelineSwitch[] {
  const switches: TimelineSwitch[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [tli, lsn, ...reason] = line.split(/\s+/);
    const timeline = Number(tli);
    if (!/^\d+$/.test(tli ?? '') || timeline < 1) throw new PitrError('PITR.BAD_HISTORY', `timeline history line without a timeline: ${JSON.stringify(line.slice(0, 80))}`);
    if (switches.length > 0 && timeline <= switches[switches.length - 1].timeline) throw new PitrError('PITR.BAD_HISTORY', 'timeline history is not in increasing order');
    switches.push({ timeline, switchpoint: parseLsn(lsn ?? ''), reason: reason.join(' ') });
  }
  return switches;
}

/** The WAL history that leads to `timeline`: its ancestors' stretches, oldest first, then its own open stretch. */
export function timelinePath(timeline: number, history: TimelineSwitch[]): TimelineStretch[] {
  const path: TimelineStretch[] = [];
  let begin = 0n;
  for (const sw of history) {
    if (sw.timeline >= timeline) throw new PitrError('PITR.BAD_HISTORY', `the history of timeline ${timeline} names timeline ${sw.timeline} as an ancestor`);
    path.push({ timeline: sw.timeline, begin, end: sw.switchpoint });
    begin = sw.switchpoint;
  }
  path.push({ timeline, begin, end: null });
  return path;
}

/**
 * The timeline whose copy of the segment [start, start + size) recovery reads: the newest one on the path that has
 * WAL in it (the segment holding a switchpoint is copied into the new timeline up to the switch).
 */
export function timelineOfSegment(path: TimelineStretch[], start: Lsn, size: number): number | undefined {
  const end = start + BigInt(size);
  let found: number | undefined;
  for (const stretch of path) {
    if (stretch.begin < end && (stretch.end === null || stretch.end > start)) found = stretch.timeline;
  }
  return found;
}
