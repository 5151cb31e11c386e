import type { ProviderName } from '../../../libs/storage/storage.port';

export enum QueueName {
  BACKUPS = 'backups',
  REPLICATION = 'replication',
}

export enum BackupJob {
  RUN = 'run-backup',
}

export enum ReplicationJob {
  COPY = 'copy-to-provider',
}

/** Jobs carry ids, never payloads: the catalog record is the truth. */
export interface RunBackupPayload {
  backupId: string;
}

export interface ReplicatePayload {
  backupId: string;
  provider: ProviderName;
}

/** BullMQ custom ids may not contain ':'; deterministic ids make re-enqueueing a no-op. */
export const backupJobId = (backupId: string) => `backup-${backupId}`;
export const replicationJobId = (backupId: string, provider: ProviderName) => `replicate-${backupId}-${provider}`;
