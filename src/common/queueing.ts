import type { JobsOptions, Queue } from 'bullmq';
import { DomainError } from './domain-error';

/** Redis (BullMQ) did not take the job in time: the request is refused with 503 and leaves nothing behind. */
export class QueueUnavailableError extends DomainError {
  readonly code = 'QUEUE.UNAVAILABLE';
  readonly kind = 'unavailable';
  constructor(queue: string, reason: string) {
    super(`The job queue "${queue}" is unavailable (${reason}); nothing was started, try again once Redis is back`);
  }
}

/** How long a request waits for Redis to take a job; a healthy Redis answers in milliseconds. */
export const ENQUEUE_TIMEOUT_MS = 3_000;

/**
 * Adds a job, failing with QueueUnavailableError (503) when Redis does not take it within the timeout. A client that
 * is reconnecting gets that long to become ready, so a request made just after Redis came back succeeds. (A job whose
 * add the client buffered and sent once Redis was back, after the request had been answered, finds no record and
 * ends there.)
 */
export async function addJob<T>(queue: Queue<T>, name: string, data: T, options: JobsOptions, timeoutMs = ENQUEUE_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(queue.name, `Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const adding = (async () => {
      const client = (await queue.client) as unknown as { status: string; once(event: 'ready', listener: () => void): void };
      if (client.status !== 'ready') await new Promise<void>((resolve) => client.once('ready', resolve));
      // BullMQ's generic job-name typing is stricter than needed here: names are the enums of each context.
      await (queue as unknown as Queue).add(name, data, options);
    })();
    adding.catch(() => undefined); // once the timeout has answered, a late failure has nobody to tell
    await Promise.race([adding, timeout]);
  } catch (error) {
    if (error instanceof QueueUnavailableError) throw error;
    throw new QueueUnavailableError(queue.name, (error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}
