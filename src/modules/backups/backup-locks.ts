import { platformLockKey } from '../tenant-locks';
import { BackupType } from './backup.types';

/**
 * The lock a backup holds from its request to its end: a TENANT backup its tenant's (a restore of it must wait), a
 * DISASTER backup the platform's disaster lock (one whole-database dump at a time), a BASE backup the platform's
 * base-backup lock (one pg_basebackup at a time). PRE_RESTORE snapshots run under
 * their restore's lock; CUSTOMER exports read a snapshot and never block an operator, so neither takes one.
 */
export function backupLockKey(type: BackupType, tenantId: string | undefined): string | undefined {
  if (type === BackupType.TENANT) return tenantId;
  if (type === BackupType.DISASTER) return platformLockKey('disaster-backup');
  if (type === BackupType.BASE) return platformLockKey('base-backup');
  return undefined;
}
