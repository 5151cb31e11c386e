import { GFS_RULES, bucketLabel } from './calendar-buckets';
import { InvalidRetentionInputError, InvalidRetentionPolicyError } from './retention.errors';
import { DaysPolicy, GfsPolicy, RetentionPolicy, describeRetentionPolicy, validateRetentionPolicy } from './retention-policy';

/*
 * Which backups a retention run keeps, and why. Pure: the Retention context feeds it catalog rows and
 * deletes what it marks as expiring; nothing here reads a clock or a database.
 *
 * The rules, exactly:
 * - Candidates are split by `group` (a tenant id, 'platform', ...) and each group is judged on its own:
 *   one tenant's backups never fill another's buckets.
 * - Within a group, candidates are ordered newest first; equal `createdAt` are ordered by id (ascending,
 *   plain code-unit comparison), and the first of them counts as the newer. Decisions come back in that
 *   order, groups sorted by name the same way.
 * - gfs: for each rule with N > 0 (hourly, daily, weekly, monthly, yearly), the UTC buckets that hold
 *   at least one backup of the group are counted from the newest; the newest backup of each of the first
 *   N such buckets is kept, with the reason `<rule> <bucket>` (`daily 2026-11-30`, `weekly 2026-W48`,
 *   `hourly 2026-11-30T14`, `monthly 2026-11`, `yearly 2026`). Weeks are ISO 8601 weeks (Monday to
 *   Sunday, UTC, numbered in the year of their Thursday, so 2027-01-03 is in 2026-W53). Rules are applied
 *   independently: one backup may be kept by several rules and then lists them all, finest first, and a
 *   bucket used by one rule is not thereby used up for another. This is restic's `forget --keep-*` rule,
 *   without its newer extra of also keeping the group's oldest backup when a rule has slots left over.
 *   Buckets without a backup are skipped, not counted, so `now` plays no part: a tenant whose backups
 *   stopped three months ago still has its last 7 daily ones, not none.
 * - days: a backup is kept when createdAt >= now - days × 24 h (the boundary is kept), reason
 *   `within <days> days`; one created after `now` (clock skew) is kept too.
 * - Protection: a candidate with `protectedBy` reasons is always kept; those reasons come first, followed by
 *   any rule that would have kept it anyway. Protected backups take part in the bucket count like any other
 *   (a held backup that is also the newest of its day is that day's daily backup).
 * - Everything else expires with one reason: `older than <days> days and kept by no rule` (days) or
 *   `kept by no rule of <policy>` (gfs).
 *
 * Candidates are assumed to be complete backups; status and verification are the caller's to filter or
 * to turn into protections (e.g. `newest verified backup`).
 */

export interface RetentionCandidate {
  id: string;
  /** Selection is per group: a tenant id, or 'platform' for disaster and base backups. */
  group: string;
  createdAt: Date;
  /** Why this backup must stay whatever the policy says: `legal hold: <reason>`, `newest verified backup`, `referenced by restore <id>`. */
  protectedBy?: readonly string[];
}

interface DecisionBase {
  id: string;
  group: string;
  createdAt: Date;
}

export interface KeptBackup extends DecisionBase {
  verdict: 'keep';
  /** Every protection and rule that keeps it (at least one), protections first. */
  reasons: string[];
}

export interface ExpiringBackup extends DecisionBase {
  verdict: 'expire';
  reason: string;
}

export type RetentionDecision = KeptBackup | ExpiringBackup;

const DAY_MS = 86_400_000;

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function newestFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || compareText(a.id, b.id);
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function assertCandidates(candidates: readonly RetentionCandidate[]): void {
  const seen = new Set<string>();
  for (const [index, c] of candidates.entries()) {
    const where = `candidate ${index}`;
    if (typeof c?.id !== 'string' || c.id === '') throw new InvalidRetentionInputError(`${where}: id must be a non-empty string`);
    if (typeof c.group !== 'string' || c.group === '') throw new InvalidRetentionInputError(`${where} (${c.id}): group must be a non-empty string`);
    if (!isValidDate(c.createdAt)) throw new InvalidRetentionInputError(`${where} (${c.id}): createdAt must be a valid Date`);
    if (c.protectedBy !== undefined && !(Array.isArray(c.protectedBy) && c.protectedBy.every((r) => typeof r === 'string' && r !== ''))) {
      throw new InvalidRetentionInputError(`${where} (${c.id}): protectedBy must be a list of non-empty strings`);
    }
    // The same backup twice would fill two slots of a bucket count with one backup.
    if (seen.has(c.id)) throw new InvalidRetentionInputError(`${where}: id ${c.id} appears more than once`);
    seen.add(c.id);
  }
}

/** For each candidate id, the gfs rules that keep it. Expects the group newest first. */
function gfsKeeps(group: readonly RetentionCandidate[], policy: GfsPolicy): Map<string, string[]> {
  const kept = new Map<string, string[]>();
  for (const rule of GFS_RULES) {
    let slots = policy[rule];
    let previous: string | undefined;
    for (const candidate of group) {
      if (slots === 0) break;
      const bucket = bucketLabel(rule, candidate.createdAt);
      // Buckets are contiguous in newest-first order, so the first candidate of each is its newest.
      if (bucket === previous) continue;
      previous = bucket;
      slots -= 1;
      const reasons = kept.get(candidate.id);
      if (reasons) reasons.push(`${rule} ${bucket}`);
      else kept.set(candidate.id, [`${rule} ${bucket}`]);
    }
  }
  return kept;
}

function daysKeeps(group: readonly RetentionCandidate[], policy: DaysPolicy, now: Date): Map<string, string[]> {
  const cutoff = now.getTime() - policy.days * DAY_MS;
  const kept = new Map<string, string[]>();
  for (const candidate of group) {
    if (candidate.createdAt.getTime() >= cutoff) kept.set(candidate.id, [`within ${policy.days} days`]);
  }
  return kept;
}

/**
 * Decides, for every candidate, whether the policy keeps it (and by which rules) or lets it expire (and
 * why). Throws InvalidRetentionPolicyError or InvalidRetentionInputError rather than guess.
 */
export function selectForRetention(candidates: readonly RetentionCandidate[], policy: RetentionPolicy, now: Date): RetentionDecision[] {
  const problems = validateRetentionPolicy(policy);
  if (problems.length > 0) throw new InvalidRetentionPolicyError(problems);
  if (!isValidDate(now)) throw new InvalidRetentionInputError('now must be a valid Date');
  assertCandidates(candidates);

  const groups = new Map<string, RetentionCandidate[]>();
  for (const candidate of candidates) {
    const group = groups.get(candidate.group);
    if (group) group.push(candidate);
    else groups.set(candidate.group, [candidate]);
  }
  const expireReason =
    policy.kind === 'days' ? `older than ${policy.days} days and kept by no rule` : `kept by no rule of ${describeRetentionPolicy(policy)}`;

  const decisions: RetentionDecision[] = [];
  for (const name of [...groups.keys()].sort(compareText)) {
    const group = groups.get(name)!.sort(newestFirst);
    const ruleKeeps = policy.kind === 'gfs' ? gfsKeeps(group, policy) : daysKeeps(group, policy, now);
    for (const candidate of group) {
      const base = { id: candidate.id, group: candidate.group, createdAt: candidate.createdAt };
      const reasons = [...new Set([...(candidate.protectedBy ?? []), ...(ruleKeeps.get(candidate.id) ?? [])])];
      decisions.push(reasons.length > 0 ? { ...base, verdict: 'keep', reasons } : { ...base, verdict: 'expire', reason: expireReason });
    }
  }
  return decisions;
}
