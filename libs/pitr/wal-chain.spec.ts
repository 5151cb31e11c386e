import { parseLsn } from './lsn';
import { PitrError } from './pitr.errors';
import { chooseBase, coverageOf, recoverableRange, RecoveryBase } from './recovery-plan';
import { parseTimelineHistory, timelinePath, timelineOfSegment } from './timeline-history';
import { walkChain } from './wal-chain';
import { segmentFileName } from './wal-names';

const MiB = 1024 * 1024;
const at = (minute: number) => new Date(Date.UTC(2026, 11, 2, 14, minute));
/** Segments of timeline 1 from `from` to `to` (hex segment numbers, 1 MiB segments), closed a minute apart. */
function segments(timeline: number, from: number, to: number, firstMinute = 0): [string, { closedAt: Date }][] {
  const out: [string, { closedAt: Date }][] = [];
  for (let n = from; n <= to; n++) out.push([segmentFileName(timeline, BigInt(n) * BigInt(MiB), MiB), { closedAt: at(firstMinute + n - from) }]);
  return out;
}
const base = (id: string, startSeg: number, stopMinute: number, timeline = 1): RecoveryBase => ({
  id,
  key: `base/2026/12/${id}.tvb`,
  sha256: 'a'.repeat(64),
  storedBytes: 1,
  timeline,
  startLsn: BigInt(startSeg) * BigInt(MiB) + 40n,
  stopLsn: BigInt(startSeg) * BigInt(MiB) + 256n,
  startedAt: at(stopMinute),
  stoppedAt: at(stopMinute),
  walSegmentSize: MiB,
});

describe('timeline history', () => {
  it('parses a history file and lays out the path that leads to its timeline', () => {
    const history = parseTimelineHistory('1\t0/3000000\tno recovery target specified\n\n2\t0/5000120\tbefore 2026-12-02 14:32:00+00\n');
    expect(history).toEqual([
      { timeline: 1, switchpoint: parseLsn('0/3000000'), reason: 'no recovery target specified' },
      { timeline: 2, switchpoint: parseLsn('0/5000120'), reason: 'before 2026-12-02 14:32:00+00' },
    ]);
    const path = timelinePath(3, history);
    expect(path.map((p) => p.timeline)).toEqual([1, 2, 3]);
    // The segment holding a switchpoint is read from the new timeline.
    expect(timelineOfSegment(path, parseLsn('0/5000000'), 16 * MiB)).toBe(3);
    expect(timelineOfSegment(path, parseLsn('0/4000000'), 16 * MiB)).toBe(2);
    expect(timelineOfSegment(path, parseLsn('0/2000000'), 16 * MiB)).toBe(1);
    expect(() => parseTimelineHistory('2\t0/1\tx\n1\t0/2\ty')).toThrow(PitrError);
    expect(() => parseTimelineHistory('one\t0/1\tx')).toThrow(PitrError);
  });
});

describe('the WAL chain of a base backup', () => {
  it('walks from the base backup to the newest segment and finds the run of missing segments', () => {
    const archived = new Map([...segments(1, 2, 9)]);
    archived.delete(segmentFileName(1, 5n * BigInt(MiB), MiB));
    archived.delete(segmentFileName(1, 6n * BigInt(MiB), MiB));
    const walk = walkChain(base('b', 3, 1), timelinePath(1, []), archived, MiB);
    expect(walk).toMatchObject({ firstSegment: '000000010000000000000003', lastContiguous: '000000010000000000000004', usable: true, newestSegment: '000000010000000000000009' });
    expect(walk.gaps).toEqual([{ first: '000000010000000000000005', last: '000000010000000000000006', count: 2 }]);
    expect(walk.coveredUntil).toEqual(at(2));
  });

  it('follows the newest timeline: segments of the abandoned branch do not count, those of the new one do', () => {
    const history = parseTimelineHistory(`1\t${'0/' + (5 * MiB + 100).toString(16).toUpperCase()}\tpromoted`);
    const archived = new Map([...segments(1, 2, 7), ...segments(2, 5, 8, 10)]);
    const walk = walkChain(base('b', 2, 0), timelinePath(2, history), archived, MiB);
    expect(walk.gaps).toEqual([]);
    expect(walk.lastContiguous).toBe('000000020000000000000008');
    archived.delete('000000020000000000000006');
    // Timeline 1's copy of segment 6 is not on the path.
    expect(walkChain(base('b', 2, 0), timelinePath(2, history), archived, MiB).gaps).toEqual([{ first: '000000020000000000000006', last: '000000020000000000000006', count: 1 }]);
  });

  it('a base backup whose own WAL is not archived is not usable', () => {
    const walk = walkChain(base('b', 3, 0), timelinePath(1, []), new Map(segments(1, 4, 6)), MiB);
    expect(walk.usable).toBe(false);
    expect(walk.gaps[0].first).toBe('000000010000000000000003');
  });
});

describe('choosing a base backup for a target time', () => {
  const view = () => ({ bases: [base('old', 2, 1), base('new', 6, 5)], archived: new Map(segments(1, 2, 12)), histories: new Map() });

  it('takes the newest base backup consistent before the target', () => {
    expect(chooseBase(coverageOf(view()), at(3)).base.id).toBe('old');
    expect(chooseBase(coverageOf(view()), at(6)).base.id).toBe('new');
    expect(recoverableRange(coverageOf(view()))).toMatchObject({ from: at(1), to: at(10), baseBackups: 2, gaps: [] });
  });

  it('refuses a target before the oldest base backup or past the archive, naming the covered range', () => {
    expect(() => chooseBase(coverageOf(view()), at(0))).toThrow(/is not covered: it is before the oldest base backup; the archive covers 2026-12-02T14:01:00.000Z to 2026-12-02T14:10:00.000Z/);
    expect(() => chooseBase(coverageOf(view()), at(11))).toThrow(/past the newest archived WAL \(00000001000000000000000C, closed at 2026-12-02T14:10:00.000Z\)/);
  });

  it('refuses recovery past a gap, naming the missing segment', () => {
    const v = view();
    v.archived.delete('000000010000000000000009');
    expect(() => chooseBase(coverageOf(v), at(8))).toThrow(/WAL segment 000000010000000000000009 is missing at every provider, so recovery cannot go past 2026-12-02T14:06:00.000Z/);
    expect(chooseBase(coverageOf(v), at(6)).base.id).toBe('new');
  });
});
