export enum RetentionQueue {
  VERIFICATION = 'verification',
}

export enum RetentionJob {
  VERIFY_RECENT = 'verify-recent',
}

/** SPEC §8: verification covers the backups of the last 7 days. */
export const RECENT_DAYS = 7;

export interface VerifyRecentPayload {
  days: number;
}

/** BullMQ custom ids may not contain ':'; one weekly run per day even if every replica fires the cron. */
export const verifyRecentJobId = (day: string) => `verify-recent-${day}`;
