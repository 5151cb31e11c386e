import { GFS_RULES, GfsRule } from './calendar-buckets';

/** Keep the newest backup of each of the newest N hours, days, ISO weeks, months and years that have one (UTC). */
export interface GfsPolicy {
  kind: 'gfs';
  hourly: number;
  daily: number;
  weekly: number;
  monthly: number;
  yearly: number;
}

/** Keep every backup at most `days` × 24 h old. */
export interface DaysPolicy {
  kind: 'days';
  days: number;
}

export type RetentionPolicy = GfsPolicy | DaysPolicy;

/**
 * Upper bounds catch typos (daily: 3000 meant as 30) rather than express a business limit; each allows
 * far more history than any SaaS retention promise: a year of hours, ten years of days and weeks,
 * a century of months, years and days.
 */
export const RETENTION_LIMITS = {
  hourly: 8784,
  daily: 3660,
  weekly: 530,
  monthly: 1200,
  yearly: 100,
  days: 36600,
} as const satisfies Record<GfsRule | 'days', number>;

export interface PolicyProblem {
  field: string;
  message: string;
}

const FIELDS: Record<RetentionPolicy['kind'], readonly string[]> = {
  gfs: ['kind', ...GFS_RULES],
  days: ['kind', 'days'],
};

/** A value as a message may quote it: never the whole of an object someone posted. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return typeof value;
}

function countProblem(value: unknown, field: GfsRule | 'days', min: number): PolicyProblem | undefined {
  const max = RETENTION_LIMITS[field];
  if (value === undefined) return { field, message: `${field} is required` };
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return { field, message: `${field} must be an integer from ${min} to ${max} (got ${shown(value)})` };
  }
  return undefined;
}

/**
 * Everything wrong with a policy as it arrived (from the API or the catalog); empty when it is usable.
 * Unknown fields are refused because a misspelt rule (`montly`) would otherwise silently mean 0.
 */
export function validateRetentionPolicy(input: unknown): PolicyProblem[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ field: 'policy', message: 'policy must be an object' }];
  }
  const policy = input as Record<string, unknown>;
  const kind = policy.kind;
  if (kind !== 'gfs' && kind !== 'days') {
    return [{ field: 'kind', message: `kind must be "gfs" or "days" (got ${kind === undefined ? 'nothing' : shown(kind)})` }];
  }
  const problems: PolicyProblem[] = Object.keys(policy)
    .filter((field) => !FIELDS[kind].includes(field))
    .map((field) => ({ field: field.slice(0, 40), message: `${field.slice(0, 40)} is not a field of a ${kind} policy` }));

  if (kind === 'days') {
    // 0 days would expire every unprotected backup at once: no policy should mean that.
    const problem = countProblem(policy.days, 'days', 1);
    if (problem) problems.push(problem);
    return problems;
  }
  const ruleProblems = GFS_RULES.map((rule) => countProblem(policy[rule], rule, 0)).filter((p): p is PolicyProblem => !!p);
  problems.push(...ruleProblems);
  if (ruleProblems.length === 0 && GFS_RULES.every((rule) => policy[rule] === 0)) {
    problems.push({ field: 'gfs', message: `at least one of ${GFS_RULES.join(', ')} must be greater than 0` });
  }
  return problems;
}

/** Short human form, used in reasons and logs: "daily 7, weekly 4, monthly 12" or "30 days". */
export function describeRetentionPolicy(policy: RetentionPolicy): string {
  if (policy.kind === 'days') return `${policy.days} days`;
  return GFS_RULES.filter((rule) => policy[rule] > 0)
    .map((rule) => `${rule} ${policy[rule]}`)
    .join(', ');
}
