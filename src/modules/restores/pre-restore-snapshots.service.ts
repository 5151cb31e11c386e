import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { tenantBackupKey } from '../../../libs/storage';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupRunner, ProgressReporter } from '../backups/backup-runner.service';
import { BackupRecord } from '../backups/backup.entity';
import { BackupType } from '../backups/backup.types';
import { PreRestoreSnapshotError } from './restores.errors';

/** The PRE_RESTORE backup taken right before a tenant is overwritten: restoring it is the rollback (docs/RESTORE.md). */
@Injectable()
export class PreRestoreSnapshots {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly backups: BackupRunner,
  ) {}

  /**
   * Backs the tenant up inline, to every configured provider, while the restore holds the tenant's lock.
   * Resolves with the completed record; on failure its record is FAILED, its objects removed, and
   * PreRestoreSnapshotError is thrown so that nothing gets restored without a way back.
   */
  async take(em: EntityManager, tenantId: string, restoreId: string, onProgress: ProgressReporter): Promise<BackupRecord> {
    const record = BackupRecord.create({
      type: BackupType.PRE_RESTORE,
      tenantId,
      initiatedBy: `restore:${restoreId}`,
      providers: this.config.storage.providers,
      objectKey: (r) => tenantBackupKey(tenantId, r.id, r.createdAt),
    });
    em.persist(record);
    try {
      await this.backups.execute(em, record, onProgress);
      return record;
    } catch (error) {
      const reason = (error as Error).message;
      record.fail(reason);
      await em.flush();
      await this.backups.removeObjects(record);
      throw new PreRestoreSnapshotError(reason);
    }
  }
}
