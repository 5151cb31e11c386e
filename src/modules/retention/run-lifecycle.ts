import { EntityClass } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import type { Queue } from 'bullmq';
import { everyInterval, heartbeatIntervalMs } from '../../common/heartbeat';
import { addJob } from '../../common/queueing';
import type { AppConfig } from '../../config';
import { BackgroundRun, RunStatus } from './background-run';
import { RetentionJob, runJobId, RunPayload } from './retention.jobs';

/**
 * Stores a PENDING run, then enqueues its job. If Redis does not take the job (QUEUE.UNAVAILABLE, 503), the run is removed
 * again: a refused request leaves nothing behind.
 */
export async function enqueueRun<T extends BackgroundRun>(em: EntityManager, run: T, queue: Queue<RunPayload>, job: RetentionJob): Promise<T> {
  await em.fork().persistAndFlush(run);
  try {
    await addJob(queue, job, { runId: run.id }, { jobId: runJobId(job, run.id) });
  } catch (error) {
    await em
      .fork()
      .nativeDelete(run.constructor as EntityClass<BackgroundRun>, { id: run.id })
      .catch(() => undefined);
    throw error;
  }
  return run;
}

/** Renews a RUNNING run's heartbeat until the returned function is called; the sweep ends a run whose heartbeat stopped. */
export function keepRunAlive(em: EntityManager, config: AppConfig, entity: EntityClass<BackgroundRun>, runId: string): () => void {
  return everyInterval(heartbeatIntervalMs(config), () => em.fork().nativeUpdate(entity, { id: runId, status: RunStatus.RUNNING }, { heartbeatAt: new Date() }));
}

/** Runs `work` for every item, at most `limit` at once. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
