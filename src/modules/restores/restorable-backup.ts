import { BackupRecord, BackupStatus } from '../backups';
import { BackupNotRestorableError, BackupOfAnotherTenantError } from './restores.errors';

/** A backup can be restored into a tenant only if it holds that tenant's rows and it completed. */
export function assertRestorableInto(backup: BackupRecord, tenantId: string): void {
  if (backup.tenantId?.toLowerCase() !== tenantId.toLowerCase()) throw new BackupOfAnotherTenantError(backup.id, tenantId);
  if (backup.status !== BackupStatus.COMPLETED) throw new BackupNotRestorableError(backup.id, backup.status);
}
