import type { RegisterQueueAsyncOptions } from '@nestjs/bullmq';
import { APP_CONFIG, AppConfig } from '../config';

/**
 * A queue as every context registers it: retries with exponential backoff (`attempts` 1 for work that must not run
 * twice blindly), and finished jobs kept a while so that re-adding a job id stays a no-op.
 */
export function queueRegistration(name: string, attempts: (config: AppConfig) => number = (config) => config.queues.jobAttempts): RegisterQueueAsyncOptions {
  return {
    name,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => ({
      defaultJobOptions: {
        attempts: attempts(config),
        backoff: { type: 'exponential', delay: config.queues.jobBackoffMs },
        removeOnComplete: { age: 3 * 86_400 },
        removeOnFail: { age: 14 * 86_400 },
      },
    }),
  };
}
