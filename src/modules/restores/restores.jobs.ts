export enum RestoreQueueName {
  RESTORES = 'restores',
}

export enum RestoreJob {
  RUN = 'run-restore',
}

/** The job carries the operation's id; the catalog record holds everything else. */
export interface RunRestorePayload {
  restoreId: string;
}

/** BullMQ custom ids may not contain ':'; one job per operation. */
export const restoreJobId = (restoreId: string) => `restore-${restoreId}`;
