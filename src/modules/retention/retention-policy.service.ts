import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupExpiryPolicy, BackupType } from '../backups';

const DAY_MS = 86_400_000;

/**
 * How long each type of backup is kept (SPEC §3): TENANT `BACKUP_RETENTION_DAYS`, PRE_RESTORE
 * `PRE_RESTORE_RETENTION_DAYS`, DISASTER `DISASTER_BACKUP_RETENTION_DAYS`, CUSTOMER exports one day.
 */
@Injectable()
export class RetentionPolicies implements BackupExpiryPolicy {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async expiresAt(type: BackupType, createdAt: Date): Promise<Date | undefined> {
    return new Date(createdAt.getTime() + this.retentionDays(type) * DAY_MS);
  }

  private retentionDays(type: BackupType): number {
    switch (type) {
      case BackupType.DISASTER:
        return this.config.retention.disasterDays;
      case BackupType.PRE_RESTORE:
        return this.config.retention.preRestoreDays;
      case BackupType.CUSTOMER:
        return 1;
      case BackupType.TENANT:
        return this.config.retention.tenantDays;
    }
  }
}
