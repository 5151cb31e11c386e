import type { LoggerService } from '@nestjs/common';
import { QueueWorker } from './common/queue-worker';

/** How long a dying process spends ending its jobs' records before it exits anyway. */
const ABANDON_TIMEOUT_MS = 10_000;

/**
 * The crash policy. An unhandled rejection is a bug in one piece of work: it is logged with its stack and the process
 * goes on. An uncaught exception may have left the process in any state: the records of the jobs it was running are
 * ended FAILED with the reason (rather than left IN_PROGRESS for the sweep to find), then it exits non-zero so that
 * its supervisor starts a fresh one.
 */
export function installProcessGuards(logger: LoggerService): void {
  process.on('unhandledRejection', (reason) => {
    logger.error(`unhandled promise rejection (the process goes on): ${describe(reason)}`, reason instanceof Error ? reason.stack : undefined);
  });
  process.once('uncaughtException', (error, origin) => {
    logger.fatal?.(`uncaught exception (${origin}); ending running jobs, then exiting: ${describe(error)}`, error.stack);
    const reason = `the worker process crashed: ${describe(error)}`;
    const deadline = new Promise((resolve) => setTimeout(resolve, ABANDON_TIMEOUT_MS).unref());
    void Promise.race([QueueWorker.abandonAll(reason), deadline]).finally(() => process.exit(1));
  });
}

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
