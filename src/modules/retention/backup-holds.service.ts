import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { BackupNotFoundError, BackupRecord, BackupStatus } from '../backups';
import { BackupHold } from './backup-hold.entity';
import { RETAINED_TYPES } from './retention-policy.entity';
import { BackupNotRetainedError, HoldNotFoundError } from './retention.errors';

/** Legal holds: a held backup is never deleted by retention, whatever its policy says, until the hold is lifted. */
@Injectable()
export class BackupHolds {
  constructor(private readonly em: EntityManager) {}

  /** Places a hold, or replaces the reason of the one in place. Only a backup that still has its objects can be held. */
  async place(backupId: string, reason: string, by: string): Promise<BackupHold> {
    const em = this.em.fork();
    const record = await em.findOne(BackupRecord, { id: backupId });
    if (!record || !(RETAINED_TYPES as readonly string[]).includes(record.type)) throw new BackupNotFoundError(backupId);
    if (record.status !== BackupStatus.COMPLETED) throw new BackupNotRetainedError(backupId, record.status, 'only a completed backup can be held');
    const current = await em.findOne(BackupHold, { backupId, liftedAt: null });
    if (current) {
      current.reason = reason;
      await em.flush();
      return current;
    }
    const hold = BackupHold.place(backupId, reason, by);
    try {
      await em.persistAndFlush(hold);
    } catch (error) {
      // A concurrent request placed one first: that hold stands.
      if (error instanceof UniqueConstraintViolationException) return this.place(backupId, reason, by);
      throw error;
    }
    return hold;
  }

  async lift(backupId: string, by: string): Promise<BackupHold> {
    const em = this.em.fork();
    const hold = await em.findOne(BackupHold, { backupId, liftedAt: null });
    if (!hold) throw new HoldNotFoundError(backupId);
    hold.lift(by);
    await em.flush();
    return hold;
  }

  /** Backups under a hold now, with the reason. */
  async active(): Promise<Map<string, string>> {
    const holds = await this.em.fork().find(BackupHold, { liftedAt: null });
    return new Map(holds.map((h) => [h.backupId, h.reason]));
  }
}
