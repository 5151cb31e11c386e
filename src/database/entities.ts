import { Alert } from '../modules/alerts';
import { AuditRecord } from '../modules/audit';
import { BackupLocation, BackupRecord } from '../modules/backups';
import { CustomerExport } from '../modules/customer-self-backup';
import { DisasterRestore } from '../modules/disaster-recovery';
import { BaseBackupRange, PlatformRecovery, WalSegment } from '../modules/point-in-time';
import { RestoreItem, RestoreOperation } from '../modules/restores';
import { BackupDeletion, BackupHold, CopyCheck, RetentionPolicyVersion, RetentionRun, StorageScan, TestRestore, VerificationRun } from '../modules/retention';
import { TenantLock } from '../modules/tenant-locks';

/** Every catalog entity; the migrations in migrations/ create their tables. */
export const ENTITIES = [BackupRecord, BackupLocation, TenantLock, AuditRecord, RestoreOperation, RestoreItem, DisasterRestore, Alert, CustomerExport, RetentionPolicyVersion, BackupHold, RetentionRun, BackupDeletion, VerificationRun, CopyCheck, TestRestore, StorageScan, WalSegment, BaseBackupRange, PlatformRecovery];
