import { GfsPolicy } from './retention-policy';
import { RetentionCandidate, selectForRetention } from './retention-selection';

/*
 * 400 days of synthetic backups for three groups, judged by the engine and by a second implementation
 * written here from the rule's definition, as plainly as possible and sharing no code with the engine:
 * group by bucket, take the newest of each bucket, sort the buckets, keep the first N. Weeks are keyed by
 * the date of their Monday rather than by ISO week number, so the two do not even share a bucket naming.
 */

const DAY_MS = 86_400_000;
const POLICY: GfsPolicy = { kind: 'gfs', hourly: 0, daily: 7, weekly: 4, monthly: 12, yearly: 0 };
const FIRST_DAY = Date.UTC(2025, 11, 20); // runs across the end of 2026, a 53-week year
const DAYS = 400;

/** Small seeded PRNG (mulberry32): the same data on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticBackups(group: string, seed: number, gap?: [number, number]): RetentionCandidate[] {
  const next = random(seed);
  const backups: RetentionCandidate[] = [];
  const add = (time: number, protectedBy?: string[]) =>
    backups.push({ id: `${group}-${String(backups.length).padStart(4, '0')}`, group, createdAt: new Date(time), protectedBy });
  for (let day = 0; day < DAYS; day++) {
    if (gap && day >= gap[0] && day < gap[1]) continue; // the schedule stopped for a while
    const midnight = FIRST_DAY + day * DAY_MS;
    if (next() < 0.95) add(midnight + 3_600_000 + Math.floor(next() * 3 * 3_600_000), next() < 0.01 ? ['legal hold: audit'] : undefined);
    if (next() < 0.2) add(midnight + Math.floor(next() * DAY_MS)); // an extra, manual backup that day
    if (next() < 0.05) add(midnight + DAY_MS - 1); // the last millisecond of the day
    if (next() < 0.05) add(midnight); // the first one
    if (next() < 0.03) {
      const twin = midnight + 7_200_000;
      add(twin); // two backups at the same instant: the tie goes to the smaller id
      add(twin);
    }
  }
  return backups;
}

/** The same rule, written again without the engine: id → the rule names that keep it. */
function expectedKeeps(backups: RetentionCandidate[], policy: GfsPolicy): Map<string, string[]> {
  const iso = (time: number) => new Date(time).toISOString();
  const mondayOf = (time: number) => {
    const midnight = Date.parse(iso(time).slice(0, 10));
    const daysSinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
    return iso(midnight - daysSinceMonday * DAY_MS).slice(0, 10);
  };
  const keyOf: Record<'daily' | 'weekly' | 'monthly', (time: number) => string> = {
    daily: (time) => iso(time).slice(0, 10),
    weekly: mondayOf,
    monthly: (time) => iso(time).slice(0, 7),
  };
  const isNewer = (a: RetentionCandidate, b: RetentionCandidate) =>
    a.createdAt.getTime() > b.createdAt.getTime() || (a.createdAt.getTime() === b.createdAt.getTime() && a.id < b.id);

  const keeps = new Map<string, string[]>();
  const keep = (id: string, reason: string) => keeps.set(id, [...(keeps.get(id) ?? []), reason]);
  for (const group of new Set(backups.map((b) => b.group))) {
    const mine = backups.filter((b) => b.group === group);
    for (const b of mine) for (const reason of b.protectedBy ?? []) keep(b.id, reason);
    for (const rule of ['daily', 'weekly', 'monthly'] as const) {
      const newestPerBucket = new Map<string, RetentionCandidate>();
      for (const b of mine) {
        const key = keyOf[rule](b.createdAt.getTime());
        const current = newestPerBucket.get(key);
        if (!current || isNewer(b, current)) newestPerBucket.set(key, b);
      }
      const newestBuckets = [...newestPerBucket.keys()].sort().reverse().slice(0, policy[rule]);
      for (const key of newestBuckets) keep(newestPerBucket.get(key)!.id, rule);
    }
  }
  return keeps;
}

describe('gfs selection over 400 days, against an independent implementation', () => {
  const backups = [
    ...syntheticBackups('tenant-a', 1),
    ...syntheticBackups('tenant-b', 2, [350, 372]), // three weeks without backups, recently
    ...syntheticBackups('platform', 3, [390, 400]), // stopped ten days before the run
  ];
  // Shuffled so that the engine cannot rely on the order the catalog happens to return.
  const shuffle = random(99);
  const input = backups.map((b) => ({ b, k: shuffle() })).sort((x, y) => x.k - y.k).map(({ b }) => b);
  const now = new Date(FIRST_DAY + DAYS * DAY_MS + 4 * 3_600_000);

  const decisions = selectForRetention(input, POLICY, now);
  const expected = expectedKeeps(backups, POLICY);

  it('decides every backup once', () => {
    expect(decisions).toHaveLength(backups.length);
    expect(new Set(decisions.map((d) => d.id)).size).toBe(backups.length);
  });

  it('keeps exactly the backups the simple implementation keeps, for the same rules', () => {
    const actual = new Map(decisions.filter((d) => d.verdict === 'keep').map((d) => [d.id, d.reasons]));
    // Rule names only ('daily 2026-11-30' → 'daily'): the simple implementation names buckets differently.
    const normalise = (keeps: Map<string, string[]>) => [...keeps].map(([id, reasons]) => [id, reasons.map((r) => r.split(' ')[0]).sort()]).sort();
    expect(normalise(actual)).toEqual(normalise(expected));
  });

  it('is not trivially satisfied: each group keeps daily, weekly-only and monthly-only backups and expires the rest', () => {
    for (const group of ['tenant-a', 'tenant-b', 'platform']) {
      const mine = decisions.filter((d) => d.group === group);
      const kept = mine.filter((d) => d.verdict === 'keep');
      const onlyBy = (rule: string) => kept.filter((d) => d.verdict === 'keep' && d.reasons.every((r) => r.startsWith(rule)));
      expect(onlyBy('daily').length).toBeGreaterThan(0);
      expect(onlyBy('weekly').length).toBeGreaterThan(0);
      expect(onlyBy('monthly').length).toBeGreaterThan(0);
      expect(mine.length - kept.length).toBeGreaterThan(300);
      for (const d of mine) if (d.verdict === 'expire') expect(d.reason).toBe('kept by no rule of daily 7, weekly 4, monthly 12');
    }
  });

  it('keeps 2026-W53 as one of the four newest weeks', () => {
    expect(decisions.some((d) => d.group === 'tenant-a' && d.verdict === 'keep' && d.reasons.includes('weekly 2026-W53'))).toBe(true);
  });

  it('keeps the last 7 days that have a backup for a group whose backups stopped', () => {
    const daily = decisions.filter((d) => d.group === 'platform' && d.verdict === 'keep' && d.reasons.some((r) => r.startsWith('daily')));
    expect(daily).toHaveLength(7);
    expect(Math.max(...daily.map((d) => d.createdAt.getTime()))).toBeLessThan(FIRST_DAY + 390 * DAY_MS);
  });
});
