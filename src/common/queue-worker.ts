import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config';

/** Every QueueWorker of this process, for the crash policy (src/process-guards.ts). */
const workers = new Set<QueueWorker>();

/**
 * Base of every processor. A BullMQ worker emits 'error' for connection trouble (Redis restarting); an EventEmitter
 * 'error' nobody listens to would end the process, so every worker logs it and carries on reconnecting. Stall
 * recovery follows the configuration (JOB_STALLED_CHECK_SECONDS, JOB_MAX_STALLS); `concurrency` is the subclass's.
 * Running jobs are tracked, so that a process that must die can first end their records with the reason.
 */
export abstract class QueueWorker extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  protected readonly logger = new Logger(this.constructor.name);
  @Inject(APP_CONFIG) protected readonly config: AppConfig;
  private readonly running = new Map<string, Job>();

  /** Jobs this process runs at once; one unless a subclass says otherwise. */
  protected concurrency(): number {
    return 1;
  }

  /** Ends the record of a job this process cannot finish (it is about to die); a no-op unless a subclass knows how. */
  protected async abandon(_job: Job, _reason: string): Promise<void> {}

  /** After every module's init: the worker exists only once @nestjs/bullmq's explorer has run. */
  onApplicationBootstrap(): void {
    this.worker.concurrency = this.concurrency();
    // Read by the worker at each stalled check, so setting them now takes effect from the next check.
    this.worker.opts.stalledInterval = this.config.queues.stalledCheckMs;
    this.worker.opts.maxStalledCount = this.config.queues.maxStalls;
    workers.add(this);
  }

  onModuleDestroy(): void {
    workers.delete(this);
  }

  // Every job's start and end, whatever its queue; the runners add what their work is (type, tenant, bytes).
  @OnWorkerEvent('active')
  onJobActive(job: Job): void {
    this.running.set(job.id!, job);
    this.logger.log(`job ${job.queueName}/${job.id} (${job.name}) started, attempt ${job.attemptsMade + 1}`);
  }

  @OnWorkerEvent('completed')
  onJobCompleted(job: Job): void {
    this.running.delete(job.id!);
    this.logger.log(`job ${job.queueName}/${job.id} (${job.name}) completed in ${elapsed(job)}`);
  }

  @OnWorkerEvent('failed')
  onJobFailed(job: Job | undefined, error: Error): void {
    if (!job) return;
    this.running.delete(job.id!);
    this.logger.warn(`job ${job.queueName}/${job.id} (${job.name}) failed after ${elapsed(job)}: ${error.message}`);
  }

  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.error(`queue worker error: ${error.message}`);
  }

  /** Ends the records of every job running in this process with `reason`; returns how many there were. */
  static async abandonAll(reason: string): Promise<number> {
    let count = 0;
    for (const worker of workers) {
      for (const job of worker.running.values()) {
        count++;
        await worker.abandon(job, reason).catch((error: Error) => worker.logger.error(`could not end job ${job.id}: ${error.message}`));
      }
    }
    return count;
  }

  /** How many jobs this process is running now. */
  static runningCount(): number {
    return [...workers].reduce((sum, w) => sum + w.running.size, 0);
  }
}

function elapsed(job: Job): string {
  return job.processedOn ? `${Date.now() - job.processedOn} ms` : 'an unknown time';
}
