/**
 * Retention context: how long backups are kept (policies per type, runs, legal holds), verification and repair of what
 * is kept, test restores into scratch databases, and storage scans (orphan sweeps, recounts, /storage/status).
 */
export { RetentionModule } from './retention.module';
export { RetentionRunner } from './retention-runner.service';
export { VerificationService } from './verification.service';
export { TestRestores } from './test-restores.service';
export { StorageScans } from './storage-scans.service';
export { RetentionSweeper } from './retention.sweeper';
export type { RetentionSweepReport } from './retention.sweeper';
export { RunStatus } from './background-run';
export { RetentionPolicyVersion, RETAINED_TYPES } from './retention-policy.entity';
export { BackupHold } from './backup-hold.entity';
export { RetentionRun } from './retention-run.entity';
export type { RetentionDecisions } from './retention-run.entity';
export { BackupDeletion } from './backup-deletion.entity';
export { VerificationRun, VerificationScope } from './verification-run.entity';
export { CopyCheck, CopyOutcome, RepairOutcome } from './copy-check.entity';
export { TestRestore, SCRATCH_PREFIX } from './test-restore.entity';
export type { TableCheck } from './test-restore.entity';
export { StorageScan, ScanKind } from './storage-scan.entity';
export type { ProviderScan } from './storage-scan.entity';
