import { Injectable, OnModuleInit } from '@nestjs/common';
import { BackupKind, DomainEvents } from '../../common/domain-events';
import { AuditOutcome } from './audit-record.entity';
import { AuditService } from './audit.service';

/** The audit action of a backup's outcome, by type. */
const BACKUP_ACTION: Record<BackupKind, string> = {
  TENANT: 'backup.complete',
  PRE_RESTORE: 'backup.complete',
  CUSTOMER: 'customer-backup.complete',
  DISASTER: 'disaster-backup.complete',
  BASE: 'base-backup.complete',
};

/** Outcomes of work that ran in the background are audited from their events, under the actor who asked for it. */
@Injectable()
export class AuditEventsListener implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    const system = { actorRole: 'system' };
    this.events.on('backup.completed', (e) =>
      this.audit.record({ ...system, actor: e.initiatedBy, action: BACKUP_ACTION[e.backupType], targetType: 'backup', targetId: e.backupId, tenantId: e.tenantId, outcome: AuditOutcome.SUCCESS, detail: { storedBytes: e.storedBytes, missingProviders: e.missingProviders } }),
    );
    this.events.on('backup.failed', (e) =>
      this.audit.record({ ...system, actor: e.initiatedBy, action: BACKUP_ACTION[e.backupType], targetType: 'backup', targetId: e.backupId, tenantId: e.tenantId, outcome: AuditOutcome.FAILURE, detail: { error: e.reason } }),
    );
    this.events.on('restore.completed', (e) =>
      this.audit.record({ ...system, actor: e.initiatedBy, action: 'restore.complete', targetType: 'restore', targetId: e.restoreId, tenantId: e.tenantId, outcome: AuditOutcome.SUCCESS, detail: { backupId: e.backupId, preRestoreBackupId: e.preRestoreBackupId, rowsRestored: e.rowsRestored } }),
    );
    this.events.on('restore.failed', (e) =>
      this.audit.record({ ...system, actor: e.initiatedBy, action: 'restore.complete', targetType: 'restore', targetId: e.restoreId, tenantId: e.tenantId, outcome: AuditOutcome.FAILURE, detail: { backupId: e.backupId, error: e.reason } }),
    );
    this.events.on('disaster-restore.completed', (e) =>
      this.audit.record({ ...system, actor: e.initiatedBy, action: 'disaster-restore.complete', targetType: 'disaster-restore', targetId: e.restoreId, outcome: AuditOutcome.SUCCESS, detail: { backupId: e.backupId, target: e.target, dumpBytes: e.dumpBytes } }),
    );
    this.events.on('disaster-restore.failed', (e) =>
      this.audit.record({ ...system, actor: e.initiatedBy, action: 'disaster-restore.complete', targetType: 'disaster-restore', targetId: e.restoreId, outcome: AuditOutcome.FAILURE, detail: { backupId: e.backupId, target: e.target, error: e.reason } }),
    );
  }
}
