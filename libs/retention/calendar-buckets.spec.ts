import { bucketLabel, isoWeek } from './calendar-buckets';

const at = (iso: string) => new Date(iso);
const DAY_MS = 86_400_000;

describe('bucketLabel', () => {
  it('cuts hours and days at UTC midnight', () => {
    expect(bucketLabel('daily', at('2026-11-29T23:59:59.999Z'))).toBe('2026-11-29');
    expect(bucketLabel('daily', at('2026-11-30T00:00:00.000Z'))).toBe('2026-11-30');
    expect(bucketLabel('hourly', at('2026-11-29T23:59:59.999Z'))).toBe('2026-11-29T23');
    expect(bucketLabel('hourly', at('2026-11-30T00:00:00.000Z'))).toBe('2026-11-30T00');
  });

  it('uses UTC, not the offset the instant was written with', () => {
    // 00:30 in UTC+2 is 22:30 the day before in UTC.
    expect(bucketLabel('daily', at('2026-12-01T00:30:00+02:00'))).toBe('2026-11-30');
    expect(bucketLabel('monthly', at('2026-12-01T00:30:00+02:00'))).toBe('2026-11');
    expect(bucketLabel('yearly', at('2027-01-01T00:30:00+02:00'))).toBe('2026');
  });

  it('labels months and years', () => {
    expect(bucketLabel('monthly', at('2026-01-31T23:59:59.999Z'))).toBe('2026-01');
    expect(bucketLabel('monthly', at('2026-02-01T00:00:00.000Z'))).toBe('2026-02');
    expect(bucketLabel('yearly', at('2026-12-31T23:59:59.999Z'))).toBe('2026');
    expect(bucketLabel('yearly', at('2027-01-01T00:00:00.000Z'))).toBe('2027');
  });

  it('starts weeks on Monday 00:00 UTC', () => {
    expect(bucketLabel('weekly', at('2026-11-29T23:59:59.999Z'))).toBe('2026-W48'); // Sunday
    expect(bucketLabel('weekly', at('2026-11-30T00:00:00.000Z'))).toBe('2026-W49'); // Monday
  });

  it.each([
    ['2024-12-30T00:00:00Z', '2025-W01', 'a Monday in December opening week 1 of the next year'],
    ['2019-12-30T12:00:00Z', '2020-W01', 'the same, another year'],
    ['2021-01-01T00:00:00Z', '2020-W53', 'a January Friday still in the previous year'],
    ['2021-01-03T23:59:59.999Z', '2020-W53', 'the last instant of 2020-W53'],
    ['2021-01-04T00:00:00Z', '2021-W01', 'the first instant of 2021-W01'],
    ['2015-12-31T00:00:00Z', '2015-W53', '2015 has 53 weeks'],
    ['2026-12-28T00:00:00Z', '2026-W53', '2026 has 53 weeks: its last week starts Monday 28 December'],
    ['2027-01-03T23:59:59.999Z', '2026-W53', 'and ends Sunday 3 January 2027'],
    ['2027-01-04T00:00:00Z', '2027-W01', 'so 2027 starts on 4 January'],
    ['2025-12-28T23:00:00Z', '2025-W52', '2025 has only 52'],
  ])('puts %s in %s (%s)', (instant, label) => {
    expect(bucketLabel('weekly', at(instant))).toBe(label);
  });
});

describe('isoWeek over four decades, checked against the calendar rules themselves', () => {
  it('numbers weeks 1, 2, ... from the week holding the first Thursday, changing only on Mondays', () => {
    const weeksPerYear = new Map<number, number>();
    const mismatches: string[] = []; // gathered, then asserted once: 14,600 days of expect() calls would be slow
    let previous = isoWeek(new Date(Date.UTC(1999, 11, 27))); // a Monday, 1999-W52
    expect(previous).toEqual({ year: 1999, week: 52 });
    for (let t = Date.UTC(1999, 11, 28); t < Date.UTC(2040, 0, 1); t += DAY_MS) {
      const day = new Date(t);
      const current = isoWeek(day);
      let expected = previous;
      if (day.getUTCDay() === 1 && (day.getUTCMonth() === 0 ? day.getUTCDate() <= 4 : day.getUTCMonth() === 11 && day.getUTCDate() >= 29)) {
        // A Monday from 29 December to 4 January opens week 1 (its Thursday is in January).
        expected = { year: new Date(t + 3 * DAY_MS).getUTCFullYear(), week: 1 };
        weeksPerYear.set(previous.year, previous.week);
      } else if (day.getUTCDay() === 1) {
        expected = { year: previous.year, week: previous.week + 1 };
      }
      if (current.year !== expected.year || current.week !== expected.week) mismatches.push(`${day.toISOString()}: ${JSON.stringify(current)}`);
      previous = current;
    }
    expect(mismatches).toEqual([]);
    // A year has 53 weeks exactly when it starts on a Thursday, or is a leap year starting on a Wednesday.
    for (const [year, weeks] of weeksPerYear) {
      const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay();
      const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
      expect({ year, weeks }).toEqual({ year, weeks: jan1 === 4 || (leap && jan1 === 3) ? 53 : 52 });
    }
    expect([...weeksPerYear.entries()].filter(([, weeks]) => weeks === 53).map(([year]) => year)).toEqual([
      2004, 2009, 2015, 2020, 2026, 2032, 2037,
    ]);
  });
});
