import { AuditRecord } from '../modules/audit/audit-record.entity';
import { BackupLocation } from '../modules/backups/backup-location.entity';
import { BackupRecord } from '../modules/backups/backup.entity';
import { DisasterRestore } from '../modules/disaster-recovery/disaster-restore.entity';
import { RestoreItem } from '../modules/restores/restore-item.entity';
import { RestoreOperation } from '../modules/restores/restore-operation.entity';
import { TenantLock } from '../modules/tenant-locks/tenant-lock.entity';

/** Every catalog entity; the migrations in migrations/ create their tables. */
export const ENTITIES = [BackupRecord, BackupLocation, TenantLock, AuditRecord, RestoreOperation, RestoreItem, DisasterRestore];
