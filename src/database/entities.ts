import { AuditRecord } from '../modules/audit';
import { BackupLocation, BackupRecord } from '../modules/backups';
import { DisasterRestore } from '../modules/disaster-recovery';
import { RestoreItem, RestoreOperation } from '../modules/restores';
import { TenantLock } from '../modules/tenant-locks';

/** Every catalog entity; the migrations in migrations/ create their tables. */
export const ENTITIES = [BackupRecord, BackupLocation, TenantLock, AuditRecord, RestoreOperation, RestoreItem, DisasterRestore];
