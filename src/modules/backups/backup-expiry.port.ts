import type { BackupType } from './backup.types';

/**
 * Port: when a completed backup may be let go at the earliest, if a date is known then (keep-for-days policies);
 * undefined when only a later retention run can tell (grandfather-father-son). Implemented by the Retention context,
 * which owns the policies; Backups only writes the answer on the record and its sidecar.
 */
export interface BackupExpiryPolicy {
  expiresAt(type: BackupType, createdAt: Date): Promise<Date | undefined>;
}

export const BACKUP_EXPIRY_POLICY = Symbol('BACKUP_EXPIRY_POLICY');
