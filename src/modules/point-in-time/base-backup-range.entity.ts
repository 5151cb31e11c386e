import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { BaseRangeFacts, BaseRangeSidecar, baseRangeSidecar, formatLsn, parseLsn, RecoveryBase } from '../../../libs/pitr';

/** The WAL range of a BASE backup (also in its `.pitr.json` sidecar): where its WAL starts, where it is consistent. */
@Entity({ tableName: 'base_backup_ranges' })
export class BaseBackupRange {
  @PrimaryKey({ type: 'uuid' })
  backupId!: string;

  @Property({ type: 'text' })
  label!: string;

  @Property({ type: 'integer' })
  timeline!: number;

  /** LSNs as PostgreSQL prints them (`0/2000028`). */
  @Property({ type: 'text' })
  startLsn!: string;

  @Property({ type: 'text' })
  stopLsn!: string;

  @Property({ type: 'timestamptz' })
  startedAt!: Date;

  /** The earliest instant a recovery from this backup can stop at. */
  @Property({ type: 'timestamptz' })
  stoppedAt!: Date;

  @Property({ type: 'integer' })
  walSegmentSize!: number;

  @Property({ type: 'text' })
  serverVersion!: string;

  @Property({ type: 'text' })
  systemIdentifier!: string;

  static of(backupId: string, facts: BaseRangeFacts): BaseBackupRange {
    return BaseBackupRange.fromSidecar(baseRangeSidecar(backupId, facts));
  }

  static fromSidecar(s: BaseRangeSidecar): BaseBackupRange {
    return Object.assign(new BaseBackupRange(), {
      backupId: s.backupId.toLowerCase(),
      label: s.label,
      timeline: s.timeline,
      startLsn: formatLsn(parseLsn(s.startLsn)),
      stopLsn: formatLsn(parseLsn(s.stopLsn)),
      startedAt: new Date(s.startedAt),
      stoppedAt: new Date(s.stoppedAt),
      walSegmentSize: s.walSegmentSize,
      serverVersion: s.serverVersion,
      systemIdentifier: s.systemIdentifier,
    });
  }

  toSidecar(): BaseRangeSidecar {
    return {
      format: 'tenantvault.base-range/1',
      backupId: this.backupId,
      label: this.label,
      timeline: this.timeline,
      startLsn: this.startLsn,
      stopLsn: this.stopLsn,
      startedAt: this.startedAt.toISOString(),
      stoppedAt: this.stoppedAt.toISOString(),
      walSegmentSize: this.walSegmentSize,
      serverVersion: this.serverVersion,
      systemIdentifier: this.systemIdentifier,
    };
  }

  recoveryBase(stored: { key: string; sha256: string; storedBytes: number }): RecoveryBase {
    return { id: this.backupId, ...stored, timeline: this.timeline, startLsn: parseLsn(this.startLsn), stopLsn: parseLsn(this.stopLsn), startedAt: this.startedAt, stoppedAt: this.stoppedAt, walSegmentSize: this.walSegmentSize };
  }
}
