import { GfsPolicy } from './retention-policy';
import { RetentionCandidate, RetentionDecision, selectForRetention } from './retention-selection';
import { InvalidRetentionInputError, InvalidRetentionPolicyError } from './retention.errors';

const NOW = new Date('2026-12-01T04:00:00Z');
const gfs = (rules: Partial<Omit<GfsPolicy, 'kind'>>): GfsPolicy => ({ kind: 'gfs', hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0, ...rules });
const backup = (id: string, createdAt: string, extra: Partial<RetentionCandidate> = {}): RetentionCandidate => ({
  id,
  group: 'tenant-a',
  createdAt: new Date(createdAt),
  ...extra,
});

/** id → reasons it is kept, or 'expire: <reason>': what an operator reads in a dry run. */
function outcome(decisions: RetentionDecision[]): Record<string, string[] | string> {
  return Object.fromEntries(decisions.map((d) => [d.id, d.verdict === 'keep' ? d.reasons : `expire: ${d.reason}`]));
}

describe('selectForRetention, gfs', () => {
  it('keeps the newest backup of a bucket and expires the others in it', () => {
    const decisions = selectForRetention(
      [
        backup('morning', '2026-11-30T01:00:00Z'),
        backup('evening', '2026-11-30T23:59:59.999Z'),
        backup('noon', '2026-11-30T12:00:00Z'),
      ],
      gfs({ daily: 1 }),
      NOW,
    );
    expect(outcome(decisions)).toEqual({
      evening: ['daily 2026-11-30'],
      noon: 'expire: kept by no rule of daily 1',
      morning: 'expire: kept by no rule of daily 1',
    });
  });

  it('splits days exactly at UTC midnight', () => {
    const decisions = selectForRetention(
      [backup('last-of-29th', '2026-11-29T23:59:59.999Z'), backup('first-of-30th', '2026-11-30T00:00:00.000Z')],
      gfs({ daily: 2, hourly: 1 }),
      NOW,
    );
    expect(outcome(decisions)).toEqual({
      'first-of-30th': ['hourly 2026-11-30T00', 'daily 2026-11-30'],
      'last-of-29th': ['daily 2026-11-29'],
    });
  });

  it('lets one backup satisfy several rules, listing them finest first', () => {
    const decisions = selectForRetention([backup('only', '2026-11-30T01:00:00Z')], gfs({ hourly: 1, daily: 7, weekly: 4, monthly: 12, yearly: 3 }), NOW);
    expect(outcome(decisions)).toEqual({ only: ['hourly 2026-11-30T01', 'daily 2026-11-30', 'weekly 2026-W49', 'monthly 2026-11', 'yearly 2026'] });
  });

  it('counts each rule on its own: a week already kept by daily still uses a weekly slot', () => {
    const decisions = selectForRetention(
      [backup('mon', '2026-11-30T01:00:00Z'), backup('sun', '2026-11-29T01:00:00Z'), backup('prev-sun', '2026-11-22T01:00:00Z')],
      gfs({ daily: 2, weekly: 2 }),
      NOW,
    );
    expect(outcome(decisions)).toEqual({
      mon: ['daily 2026-11-30', 'weekly 2026-W49'],
      sun: ['daily 2026-11-29', 'weekly 2026-W48'],
      'prev-sun': 'expire: kept by no rule of daily 2, weekly 2',
    });
  });

  it('keeps weeks across a year end, including week 53', () => {
    const decisions = selectForRetention(
      [
        backup('thu-2026-12-31', '2026-12-31T01:00:00Z'),
        backup('sun-2027-01-03', '2027-01-03T23:00:00Z'),
        backup('mon-2027-01-04', '2027-01-04T00:00:00Z'),
        backup('sun-2026-12-27', '2026-12-27T01:00:00Z'),
      ],
      gfs({ weekly: 3 }),
      new Date('2027-01-05T00:00:00Z'),
    );
    expect(outcome(decisions)).toEqual({
      'mon-2027-01-04': ['weekly 2027-W01'],
      'sun-2027-01-03': ['weekly 2026-W53'],
      'thu-2026-12-31': 'expire: kept by no rule of weekly 3',
      'sun-2026-12-27': ['weekly 2026-W52'],
    });
  });

  it('counts buckets that have a backup, not calendar time: a gap or a stopped schedule keeps older ones', () => {
    const decisions = selectForRetention(
      [
        backup('aug-20', '2026-08-20T01:00:00Z'),
        backup('aug-16', '2026-08-16T01:00:00Z'),
        backup('aug-15', '2026-08-15T01:00:00Z'),
        backup('aug-01', '2026-08-01T01:00:00Z'),
      ],
      gfs({ daily: 3 }),
      NOW, // three months after the last backup
    );
    expect(outcome(decisions)).toEqual({
      'aug-20': ['daily 2026-08-20'],
      'aug-16': ['daily 2026-08-16'],
      'aug-15': ['daily 2026-08-15'],
      'aug-01': 'expire: kept by no rule of daily 3',
    });
  });

  it('keeps yearly and monthly buckets back in time', () => {
    const decisions = selectForRetention(
      [
        backup('2026-11', '2026-11-15T00:00:00Z'),
        backup('2026-03', '2026-03-01T00:00:00Z'),
        backup('2025-12-late', '2025-12-31T23:59:59.999Z'),
        backup('2025-12-early', '2025-12-01T00:00:00Z'),
        backup('2024-06', '2024-06-01T00:00:00Z'),
        backup('2023-06', '2023-06-01T00:00:00Z'),
      ],
      gfs({ monthly: 2, yearly: 3 }),
      NOW,
    );
    expect(outcome(decisions)).toEqual({
      '2026-11': ['monthly 2026-11', 'yearly 2026'],
      '2026-03': ['monthly 2026-03'],
      '2025-12-late': ['yearly 2025'],
      '2025-12-early': 'expire: kept by no rule of monthly 2, yearly 3',
      '2024-06': ['yearly 2024'],
      '2023-06': 'expire: kept by no rule of monthly 2, yearly 3',
    });
  });

  it('selects per group: one tenant does not fill another one’s buckets', () => {
    const decisions = selectForRetention(
      [
        backup('a-new', '2026-11-30T02:00:00Z', { group: 'tenant-a' }),
        backup('b-newer', '2026-11-30T03:00:00Z', { group: 'tenant-b' }),
        backup('a-old', '2026-11-29T02:00:00Z', { group: 'tenant-a' }),
        backup('b-old', '2026-11-28T02:00:00Z', { group: 'tenant-b' }),
        backup('p-1', '2026-11-30T02:30:00Z', { group: 'platform' }),
      ],
      gfs({ daily: 1 }),
      NOW,
    );
    expect(decisions.map((d) => [d.group, d.id, d.verdict])).toEqual([
      ['platform', 'p-1', 'keep'],
      ['tenant-a', 'a-new', 'keep'],
      ['tenant-a', 'a-old', 'expire'],
      ['tenant-b', 'b-newer', 'keep'],
      ['tenant-b', 'b-old', 'expire'],
    ]);
  });

  it('breaks a tie on createdAt by id, the same way whatever the input order', () => {
    const twins = [backup('bbb', '2026-11-30T01:00:00Z'), backup('aaa', '2026-11-30T01:00:00Z'), backup('ccc', '2026-11-30T01:00:00Z')];
    const forward = selectForRetention(twins, gfs({ daily: 1 }), NOW);
    const backward = selectForRetention([...twins].reverse(), gfs({ daily: 1 }), NOW);

    expect(forward).toEqual(backward);
    expect(forward.map((d) => [d.id, d.verdict])).toEqual([
      ['aaa', 'keep'],
      ['bbb', 'expire'],
      ['ccc', 'expire'],
    ]);
  });

  it('returns the dates it was given and leaves the input alone', () => {
    const input = [backup('x', '2026-11-01T00:00:00Z'), backup('y', '2026-11-30T00:00:00Z')];
    const copy = structuredClone(input);
    const [first] = selectForRetention(input, gfs({ daily: 1 }), NOW);
    expect(first).toEqual({ id: 'y', group: 'tenant-a', createdAt: new Date('2026-11-30T00:00:00Z'), verdict: 'keep', reasons: ['daily 2026-11-30'] });
    expect(input).toEqual(copy);
  });
});

describe('selectForRetention, days', () => {
  const policy = { kind: 'days', days: 30 } as const;

  it('keeps what is at most 30 × 24 h old, the boundary included', () => {
    const cutoff = NOW.getTime() - 30 * 86_400_000;
    const decisions = selectForRetention(
      [
        { id: 'at-cutoff', group: 'g', createdAt: new Date(cutoff) },
        { id: 'just-older', group: 'g', createdAt: new Date(cutoff - 1) },
        { id: 'yesterday', group: 'g', createdAt: new Date(NOW.getTime() - 86_400_000) },
        { id: 'clock-skew', group: 'g', createdAt: new Date(NOW.getTime() + 60_000) },
      ],
      policy,
      NOW,
    );
    expect(outcome(decisions)).toEqual({
      'clock-skew': ['within 30 days'],
      yesterday: ['within 30 days'],
      'at-cutoff': ['within 30 days'],
      'just-older': 'expire: older than 30 days and kept by no rule',
    });
  });
});

describe('protected backups', () => {
  it('are always kept, with their reasons first, under either kind of policy', () => {
    const candidates = [
      backup('newest', '2026-11-30T01:00:00Z', { protectedBy: ['newest verified backup'] }),
      backup('held', '2024-01-10T01:00:00Z', { protectedBy: ['legal hold: case 42'] }),
      backup('restoring', '2025-05-05T01:00:00Z', { protectedBy: ['referenced by restore 7c1e', 'legal hold: audit'] }),
      backup('plain-old', '2025-05-04T01:00:00Z'),
    ];
    expect(outcome(selectForRetention(candidates, gfs({ daily: 1 }), NOW))).toEqual({
      newest: ['newest verified backup', 'daily 2026-11-30'],
      restoring: ['referenced by restore 7c1e', 'legal hold: audit'],
      'plain-old': 'expire: kept by no rule of daily 1',
      held: ['legal hold: case 42'],
    });
    expect(outcome(selectForRetention(candidates, { kind: 'days', days: 30 }, NOW))).toEqual({
      newest: ['newest verified backup', 'within 30 days'],
      restoring: ['referenced by restore 7c1e', 'legal hold: audit'],
      'plain-old': 'expire: older than 30 days and kept by no rule',
      held: ['legal hold: case 42'],
    });
  });

  it('still take part in the bucket count like any other backup', () => {
    const decisions = selectForRetention(
      [backup('held-newest', '2026-11-30T05:00:00Z', { protectedBy: ['legal hold: x'] }), backup('older-same-day', '2026-11-30T01:00:00Z')],
      gfs({ daily: 1 }),
      NOW,
    );
    expect(outcome(decisions)).toEqual({ 'held-newest': ['legal hold: x', 'daily 2026-11-30'], 'older-same-day': 'expire: kept by no rule of daily 1' });
  });
});

describe('bad input', () => {
  it('refuses an invalid policy with its problems', () => {
    const error = (() => {
      try {
        selectForRetention([], gfs({}), NOW);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidRetentionPolicyError);
    expect(error).toMatchObject({ code: 'RETENTION.INVALID_POLICY', problems: [{ field: 'gfs' }] });
  });

  it.each([
    ['an empty id', [backup('', '2026-11-30T00:00:00Z')], NOW, /id must be a non-empty string/],
    ['an empty group', [backup('x', '2026-11-30T00:00:00Z', { group: '' })], NOW, /group must be a non-empty string/],
    ['an invalid date', [backup('x', 'not a date')], NOW, /createdAt must be a valid Date/],
    ['a date as text', [{ id: 'x', group: 'g', createdAt: '2026-11-30' as unknown as Date }], NOW, /createdAt must be a valid Date/],
    ['an empty protection', [backup('x', '2026-11-30T00:00:00Z', { protectedBy: [''] })], NOW, /protectedBy must be a list/],
    ['the same id twice', [backup('x', '2026-11-30T00:00:00Z'), backup('x', '2026-11-29T00:00:00Z', { group: 'other' })], NOW, /id x appears more than once/],
    ['an invalid now', [], new Date(Number.NaN), /now must be a valid Date/],
  ])('refuses %s', (_label, candidates, now, message) => {
    expect(() => selectForRetention(candidates, gfs({ daily: 1 }), now)).toThrow(InvalidRetentionInputError);
    expect(() => selectForRetention(candidates, gfs({ daily: 1 }), now)).toThrow(message);
  });

  it('returns nothing for nothing', () => {
    expect(selectForRetention([], { kind: 'days', days: 1 }, NOW)).toEqual([]);
  });
});
