import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

/**
 * Registers and starts a UTC cron whose task only enqueues work. Every replica runs it, so the task must be
 * idempotent (deterministic job ids / idempotency keys); a failure is logged, never thrown into the timer.
 */
export function startCron(registry: SchedulerRegistry, logger: Logger, name: string, expression: string, task: () => Promise<unknown>): void {
  const job = CronJob.from({
    cronTime: expression,
    timeZone: 'UTC',
    onTick: () => void task().catch((error: Error) => logger.error(`cron ${name} failed: ${error.message}`)),
  });
  registry.addCronJob(name, job);
  job.start();
}

/**
 * Runs `task` only if no other replica is running the same one: a transaction-scoped advisory lock in the catalog,
 * held while the task runs. Resolves with the task's result, or undefined when another replica holds the lock.
 */
export async function runExclusively<T>(em: EntityManager, name: string, task: () => Promise<T>): Promise<T | undefined> {
  return em.fork().transactional(async (tx) => {
    const [{ locked }] = await tx.getConnection().execute<{ locked: boolean }[]>(`select pg_try_advisory_xact_lock(hashtext(?)) as locked`, [`tenantvault:${name}`], 'all', tx.getTransactionContext());
    return locked ? task() : undefined;
  });
}
