const DAY_MS = 86_400_000;

/** The UTC day a moment falls on, `YYYY-MM-DD`: the unit of the daily export allowance. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Midnight UTC after `at`: when the next day's allowance starts. */
export function nextUtcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}
