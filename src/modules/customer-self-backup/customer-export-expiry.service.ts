import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { sidecarKeyFor } from '../../../libs/storage';
import { AuditOutcome, AuditService } from '../audit';
import { BackupRecord, BackupStatus } from '../backups';
import { StorageService } from '../storage';
import { CustomerExport, ExpiryReason } from './customer-export.entity';

/** Exports looked at per run: bounded work, oldest first; the next run takes the rest. */
const BATCH = 500;

/** Ends an export's life: its file and sidecar deleted from the local provider, the record EXPIRED, audited. */
@Injectable()
export class CustomerExportExpiry {
  private readonly logger = new Logger(CustomerExportExpiry.name);

  constructor(
    private readonly em: EntityManager,
    private readonly storage: StorageService,
    private readonly audit: AuditService,
  ) {}

  /** The hourly job (CUSTOMER_EXPORT_CRON): every export whose download window closed by `now`. Resolves with how many expired. */
  async expireDue(now: Date = new Date()): Promise<number> {
    let expired = 0;
    for (const row of await this.em.fork().getRepository(CustomerExport).findDue(now, BATCH)) {
      try {
        if (await this.expire(row, ExpiryReason.TTL, { actor: 'scheduler', actorRole: 'system' }, now)) expired += 1;
      } catch (error) {
        this.logger.error(`customer export ${row.id} could not be expired, the next run tries again: ${(error as Error).message}`);
      }
    }
    if (expired > 0) this.logger.log(`${expired} customer export(s) expired`);
    return expired;
  }

  /**
   * Deletes the file first and only then marks the export EXPIRED: a failure in between leaves it due for the next
   * run rather than a file nobody will delete. False when someone else expired it meanwhile.
   */
  async expire(row: CustomerExport, reason: ExpiryReason, by: { actor: string; actorRole: string }, now: Date): Promise<boolean> {
    const key = row.backup.objectKey;
    const local = this.storage.require('local');
    await local.delete(key);
    await local.delete(sidecarKeyFor(key));
    const changed = await this.em.fork().transactional(async (tx) => {
      await tx.nativeUpdate(BackupRecord, { id: row.id, status: BackupStatus.COMPLETED }, { status: BackupStatus.EXPIRED });
      return tx.nativeUpdate(CustomerExport, { backup: row.id, expiredAt: null }, { expiredAt: now, expiredBecause: reason });
    });
    if (changed === 0) return false;
    await this.audit.record({
      ...by,
      action: 'customer-backup.expire',
      targetType: 'backup',
      targetId: row.id,
      tenantId: row.tenantId,
      outcome: AuditOutcome.SUCCESS,
      detail: { reason, expiresAt: row.expiresAt.toISOString(), downloads: row.downloadCount },
    });
    return true;
  }
}
