import { RETENTION_LIMITS, describeRetentionPolicy, validateRetentionPolicy } from './retention-policy';

const gfs = { kind: 'gfs', hourly: 0, daily: 7, weekly: 4, monthly: 12, yearly: 0 };

describe('validateRetentionPolicy', () => {
  it('accepts sane gfs and days policies', () => {
    expect(validateRetentionPolicy(gfs)).toEqual([]);
    expect(validateRetentionPolicy({ kind: 'gfs', hourly: 24, daily: 0, weekly: 0, monthly: 0, yearly: 0 })).toEqual([]);
    expect(validateRetentionPolicy({ kind: 'days', days: 30 })).toEqual([]);
    expect(validateRetentionPolicy({ kind: 'days', days: RETENTION_LIMITS.days })).toEqual([]);
    expect(validateRetentionPolicy({ ...gfs, monthly: RETENTION_LIMITS.monthly })).toEqual([]);
  });

  it.each([
    ['a negative count', { ...gfs, weekly: -1 }, 'weekly', /weekly must be an integer from 0 to 530 \(got -1\)/],
    ['a fraction', { ...gfs, daily: 3.5 }, 'daily', /daily must be an integer .*\(got 3\.5\)/],
    ['a number as text', { ...gfs, monthly: '12' }, 'monthly', /monthly must be an integer .*\(got "12"\)/],
    ['NaN', { ...gfs, yearly: Number.NaN }, 'yearly', /yearly must be an integer/],
    ['a count over the bound', { ...gfs, hourly: RETENTION_LIMITS.hourly + 1 }, 'hourly', /hourly must be an integer from 0 to 8784/],
    ['a missing rule', { kind: 'gfs', daily: 7, weekly: 4, monthly: 12, yearly: 0 }, 'hourly', /hourly is required/],
    ['a misspelt rule', { ...gfs, montly: 6 }, 'montly', /montly is not a field of a gfs policy/],
    ['0 days', { kind: 'days', days: 0 }, 'days', /days must be an integer from 1 to 36600 \(got 0\)/],
    ['too many days', { kind: 'days', days: 36601 }, 'days', /days must be an integer from 1 to 36600/],
    ['a gfs field on a days policy', { kind: 'days', days: 30, daily: 7 }, 'daily', /daily is not a field of a days policy/],
    ['an unknown kind', { kind: 'forever' }, 'kind', /kind must be "gfs" or "days" \(got "forever"\)/],
    ['no kind', { days: 30 }, 'kind', /kind must be "gfs" or "days" \(got nothing\)/],
    ['not an object', [1, 2], 'policy', /policy must be an object/],
    ['null', null, 'policy', /policy must be an object/],
  ])('refuses %s, naming the field', (_label, policy, field, message) => {
    const problems = validateRetentionPolicy(policy);
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe(field);
    expect(problems[0].message).toMatch(message);
  });

  it('refuses a gfs policy that keeps nothing', () => {
    expect(validateRetentionPolicy({ kind: 'gfs', hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 })).toEqual([
      { field: 'gfs', message: 'at least one of hourly, daily, weekly, monthly, yearly must be greater than 0' },
    ]);
  });

  it('reports every problem at once', () => {
    const problems = validateRetentionPolicy({ kind: 'gfs', hourly: -1, daily: 1.5, weekly: 4, yearly: 0, extra: true });
    expect(problems.map((p) => p.field).sort()).toEqual(['daily', 'extra', 'hourly', 'monthly']);
  });

  it('never quotes a whole posted object back', () => {
    const [problem] = validateRetentionPolicy({ ...gfs, daily: { nested: 'x'.repeat(10_000) } });
    expect(problem.message).toBe('daily must be an integer from 0 to 3660 (got object)');
  });
});

describe('describeRetentionPolicy', () => {
  it('names the active rules only', () => {
    expect(describeRetentionPolicy({ kind: 'gfs', hourly: 0, daily: 7, weekly: 4, monthly: 12, yearly: 0 })).toBe('daily 7, weekly 4, monthly 12');
    expect(describeRetentionPolicy({ kind: 'days', days: 30 })).toBe('30 days');
  });
});
