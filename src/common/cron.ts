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
