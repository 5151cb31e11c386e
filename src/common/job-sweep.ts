import type { Queue } from 'bullmq';

/** What the sweep concludes about the job of a record that is still PENDING or IN_PROGRESS. */
export type JobVerdict = { alive: true } | { alive: false; reason: string };

export interface JudgeOptions {
  /** When the record was created: a job may lag its record by the enqueue timeout. */
  createdAt: Date;
  now: Date;
  /** How long an active job may go without its worker's lock before it counts as abandoned (JOB_STALL_LIMIT_SECONDS). */
  stallLimitMs: number;
  /** A record without a job is left alone this long: its job may still be on its way into Redis. */
  graceMs: number;
}

/**
 * Whether a record's job can still settle it. Dead: the job is missing, failed (BullMQ gave up, e.g. "job stalled
 * more than allowable limit"), completed without settling the record, or active without any worker holding its lock
 * for longer than the stall limit (its worker died and no other worker recovered it). An abandoned active job is
 * removed, so that a worker starting later does not run work that has been declared failed.
 */
export async function judgeJob(queue: Queue, jobId: string, options: JudgeOptions): Promise<JobVerdict> {
  const job = await queue.getJob(jobId);
  if (!job) {
    if (options.now.getTime() - options.createdAt.getTime() < options.graceMs) return { alive: true };
    return { alive: false, reason: 'its job is missing from the queue (Redis lost it, or it was never enqueued)' };
  }
  const state = await job.getState();
  if (state === 'failed') return { alive: false, reason: `its job failed: ${job.failedReason ?? 'no reason given'}` };
  if (state === 'completed') return { alive: false, reason: 'its job completed without settling it' };
  if (state === 'unknown') return { alive: false, reason: 'its job is missing from the queue' };
  if (state !== 'active') return { alive: true };
  const client = (await queue.client) as unknown as { exists(key: string): Promise<number> };
  const locked = (await client.exists(queue.toKey(`${jobId}:lock`))) === 1;
  const sinceStart = options.now.getTime() - (job.processedOn ?? 0);
  if (locked || sinceStart < options.stallLimitMs) return { alive: true };
  await job.remove().catch(() => undefined);
  return { alive: false, reason: `its worker stopped: no worker has held its job for more than ${Math.round(options.stallLimitMs / 1000)} s` };
}
