import { nextUtcDay, utcDay } from './export-day';

describe('the daily allowance day', () => {
  it('is the UTC day, whatever the time of day', () => {
    expect(utcDay(new Date('2026-12-02T00:00:00.000Z'))).toBe('2026-12-02');
    expect(utcDay(new Date('2026-12-02T23:59:59.999Z'))).toBe('2026-12-02');
    expect(utcDay(new Date('2026-12-02T23:30:00-05:00'))).toBe('2026-12-03');
  });

  it('renews at the next UTC midnight, also across months and years', () => {
    expect(nextUtcDay(new Date('2026-12-02T13:04:05.678Z')).toISOString()).toBe('2026-12-03T00:00:00.000Z');
    expect(nextUtcDay(new Date('2026-12-31T23:59:59.999Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(nextUtcDay(new Date('2026-12-02T00:00:00.000Z')).toISOString()).toBe('2026-12-03T00:00:00.000Z');
  });
});
