import type { BackupFacts } from '../../common/domain-events';
import type { BackupRecord } from './backup.entity';

/** What every backup event says about its backup. */
export function backupFacts(record: BackupRecord): BackupFacts {
  return { backupId: record.id, backupType: record.type, tenantId: record.tenantId, initiatedBy: record.initiatedBy };
}
