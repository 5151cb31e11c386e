import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';

/**
 * Base of every processor. A BullMQ worker emits 'error' for connection trouble (Redis restarting); an EventEmitter
 * 'error' nobody listens to would end the process, so every worker logs it and carries on reconnecting.
 */
export abstract class QueueWorker extends WorkerHost {
  protected readonly logger = new Logger(this.constructor.name);

  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.error(`queue worker error: ${error.message}`);
  }
}
