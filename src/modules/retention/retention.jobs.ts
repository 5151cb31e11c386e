export enum RetentionQueue {
  VERIFICATION = 'verification',
  TEST_RESTORES = 'test-restores',
  /** Retention runs, storage scans (orphan sweeps, recounts) and the daily choice of test restores. */
  MAINTENANCE = 'maintenance',
}

export enum RetentionJob {
  /** Runs a verification run; the weekly cron's job carries no run, it creates one. */
  VERIFY = 'verify',
  TEST_RESTORE = 'test-restore',
  RETENTION_RUN = 'retention-run',
  STORAGE_SCAN = 'storage-scan',
  SCHEDULE_TEST_RESTORES = 'schedule-test-restores',
}

/** Jobs carry ids, never payloads: the run record is the truth. A cron's job has no run yet and creates it. */
export interface RunPayload {
  runId?: string;
}

/** BullMQ custom ids may not contain ':'; deterministic ids make a re-enqueue (N replicas firing a cron) a no-op. */
export const runJobId = (kind: string, runId: string) => `${kind}-${runId}`;
export const dailyJobId = (kind: string, day: Date) => `${kind}-daily-${day.toISOString().slice(0, 10)}`;
