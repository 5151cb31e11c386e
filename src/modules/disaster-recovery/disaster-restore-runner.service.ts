import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { KeyRing } from '../../../libs/crypto';
import { redactSecrets } from '../../../libs/pg-tools';
import { DomainEvents } from '../../common/domain-events';
import { KEY_RING } from '../../common/key-ring.token';
import { StorageService } from '../storage';
import { TenantLocksService } from '../tenant-locks';
import { DisasterBackupsService } from './disaster-backups.service';
import { DisasterRestore, DisasterRestoreStatus } from './disaster-restore.entity';
import { restoreDisasterObject } from './disaster-restore-pipeline';
import { DisasterRestoresService } from './disaster-restores.service';
import { DisasterRestoreNotFoundError } from './disaster-recovery.errors';
import { openConnection } from './sealed-secret';

/**
 * Runs one disaster restore: download, decrypt and pipe into pg_restore, progress on the record, outcome announced
 * (`disaster-restore.completed` / `.failed`), the target's lock freed. Never retried: a redelivery after a worker died
 * mid-restore ends the record FAILED, since pg_restore over a half-restored target could fail or silently mix.
 */
@Injectable()
export class DisasterRestoreRunner {
  private readonly logger = new Logger(DisasterRestoreRunner.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly storage: StorageService,
    private readonly disasterBackups: DisasterBackupsService,
    private readonly restores: DisasterRestoresService,
    private readonly locks: TenantLocksService,
    private readonly events: DomainEvents,
  ) {}

  async run(restoreId: string, sealedTarget: string, onProgress: (percent: number) => Promise<void> = async () => undefined): Promise<DisasterRestore> {
    const em = this.em.fork();
    const restore = await em.findOne(DisasterRestore, { id: restoreId });
    if (!restore) throw new DisasterRestoreNotFoundError(restoreId);
    if (restore.isFinished) return restore;
    if (restore.status === DisasterRestoreStatus.IN_PROGRESS) {
      await this.fail(restore.id, 'interrupted: the worker stopped during the restore; the target may be partly restored, restore again with cleanTarget');
      return restore;
    }
    const target = await openConnection(this.keyRing, sealedTarget);
    const stopHeartbeat = restore.lockKey ? this.locks.keepAlive(restore.lockKey, restore.id) : () => undefined;
    try {
      const backup = await this.disasterBackups.get(restore.backupId);
      const location = this.restores.locationFor(backup, restore.provider);
      restore.start(location.provider);
      await em.flush();
      this.logger.log(`disaster restore ${restore.id} of backup ${backup.id} into ${restore.target} started`);

      const adapter = this.storage.require(location.provider);
      const head = await adapter.head(location.key);
      if (head?.size !== backup.storedBytes) throw new Error(`the object at ${location.provider} is ${head ? `${head.size} bytes` : 'missing'}; the catalog says ${backup.storedBytes} bytes`);
      let reported = 0;
      const outcome = await restoreDisasterObject({
        stored: await adapter.get(location.key),
        ring: this.keyRing,
        expectedSha256: backup.sha256!,
        target,
        clean: restore.cleanTarget,
        onProgress: (bytes) => {
          const percent = Math.min(99, Math.floor((bytes / Math.max(backup.storedBytes ?? 1, 1)) * 100));
          if (percent > reported) {
            reported = percent;
            void onProgress(percent)
              .then(() => em.nativeUpdate(DisasterRestore, { id: restore.id, status: DisasterRestoreStatus.IN_PROGRESS }, { progress: percent }))
              .catch(() => undefined);
          }
        },
      });
      restore.complete(outcome.dump.bytes);
      await em.flush();
      if (restore.lockKey) await this.locks.release(restore.lockKey, restore.id);
      this.logger.log(`disaster restore ${restore.id} COMPLETED in ${restore.durationMs} ms, ${outcome.dump.bytes} dump bytes`);
      this.events.emit({ type: 'disaster-restore.completed', restoreId: restore.id, backupId: restore.backupId, target: restore.target, dumpBytes: outcome.dump.bytes, initiatedBy: restore.initiatedBy });
      return restore;
    } catch (error) {
      // pg_restore's stderr or a driver message could quote the target's password.
      const reason = redactSecrets((error as Error).message, [target.password]);
      await this.fail(restore.id, reason);
      throw new Error(reason);
    } finally {
      stopHeartbeat();
    }
  }

  /** Ends a restore FAILED, frees its target's lock and announces it; also used by the sweep and by cancel. */
  async fail(restoreId: string, reason: string): Promise<boolean> {
    const em = this.em.fork();
    const restore = await em.findOne(DisasterRestore, { id: restoreId });
    if (!restore || restore.isFinished) return false;
    restore.fail(reason);
    await em.flush();
    if (restore.lockKey) await this.locks.release(restore.lockKey, restore.id);
    this.logger.error(`disaster restore ${restore.id} into ${restore.target} failed: ${reason}`);
    this.events.emit({ type: 'disaster-restore.failed', restoreId: restore.id, backupId: restore.backupId, target: restore.target, reason, initiatedBy: restore.initiatedBy });
    return true;
  }
}
