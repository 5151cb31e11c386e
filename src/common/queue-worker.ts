import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';

/**
 * Base of every processor. A BullMQ worker emits 'error' for connection trouble (Redis restarting); an EventEmitter
 * 'error' nobody listens to would end the process, so every worker logs it and carries on reconnecting. Stall
 * recovery follows the configuration (JOB_STALLED_CHECK_SECONDS, JOB_MAX_STALLS); `concurrency` is the subclass's.
 */
export abstract class QueueWorker extends WorkerHost implements OnApplicationBootstrap {
  protected readonly logger = new Logger(this.constructor.name);
  @Inject(APP_CONFIG) protected readonly config: AppConfig;

  /** Jobs this process runs at once; one unless a subclass says otherwise. */
  protected concurrency(): number {
    return 1;
  }

  /** After every module's init: the worker exists only once @nestjs/bullmq's explorer has run. */
  onApplicationBootstrap(): void {
    this.worker.concurrency = this.concurrency();
    // Read by the worker at each stalled check, so setting them now takes effect from the next check.
    this.worker.opts.stalledInterval = this.config.queues.stalledCheckMs;
    this.worker.opts.maxStalledCount = this.config.queues.maxStalls;
  }

  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.error(`queue worker error: ${error.message}`);
  }
}
