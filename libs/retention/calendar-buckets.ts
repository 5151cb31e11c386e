/*
 * The calendar buckets of a grandfather-father-son policy, all in UTC so that a retention run gives the
 * same answer on every replica whatever its time zone. Each label sorts (as a string) in time order
 * within its kind, and names the bucket the way an operator would: 2026-11-30T14, 2026-11-30, 2026-W48,
 * 2026-11, 2026.
 */

export type GfsRule = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

/** Finest first: the order rules are applied and reported in. */
export const GFS_RULES: readonly GfsRule[] = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'];

const DAY_MS = 86_400_000;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** ISO 8601 week of a UTC instant: weeks start on Monday, and week 1 is the week holding the year's first Thursday. */
export function isoWeek(at: Date): { year: number; week: number } {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const weekday = (at.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  // A week belongs to the year its Thursday falls in: 2024-12-30 is 2025-W01, 2027-01-03 is 2026-W53.
  const thursday = new Date(midnight + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return { year, week };
}

export function bucketLabel(rule: GfsRule, at: Date): string {
  const year = String(at.getUTCFullYear());
  switch (rule) {
    case 'hourly':
      return `${year}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}T${pad(at.getUTCHours())}`;
    case 'daily':
      return `${year}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
    case 'weekly': {
      const { year: weekYear, week } = isoWeek(at);
      return `${weekYear}-W${pad(week)}`;
    }
    case 'monthly':
      return `${year}-${pad(at.getUTCMonth() + 1)}`;
    case 'yearly':
      return year;
  }
}
