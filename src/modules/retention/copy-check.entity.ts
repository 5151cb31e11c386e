import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { ProviderName } from '../../../libs/storage/storage.port';

/**
 * OK: present, the recorded size and sha256, every chunk authenticated, the archive's content as its summary says.
 * DAMAGED: the bytes are wrong. MISSING: no object at the key. UNREADABLE: the provider could not be read (down, or the
 * key to decrypt is not configured): nothing is known about the bytes, so nothing is repaired over them.
 */
export enum CopyOutcome {
  OK = 'OK',
  DAMAGED = 'DAMAGED',
  MISSING = 'MISSING',
  UNREADABLE = 'UNREADABLE',
}

export enum RepairOutcome {
  REPAIRED = 'REPAIRED',
  FAILED = 'FAILED',
}

/** One copy of one backup checked by a verification run, at a time, with its outcome and any repair. */
@Entity({ tableName: 'copy_checks' })
@Index({ properties: ['runId', 'backupId', 'provider'] })
@Index({ properties: ['backupId', 'checkedAt'] })
export class CopyCheck {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  runId!: string;

  @Property({ type: 'uuid' })
  backupId!: string;

  @Property({ type: 'text' })
  provider!: ProviderName;

  @Property({ type: 'timestamptz' })
  checkedAt: Date = new Date();

  @Enum({ items: () => CopyOutcome })
  outcome!: CopyOutcome;

  @Property({ type: 'text', nullable: true })
  error?: string;

  @Enum({ items: () => RepairOutcome, nullable: true })
  repair?: RepairOutcome;

  /** The provider whose good copy was copied over this one. */
  @Property({ type: 'text', nullable: true })
  repairedFrom?: ProviderName;

  @Property({ type: 'text', nullable: true })
  repairError?: string;

  get needsRepair(): boolean {
    return this.outcome === CopyOutcome.DAMAGED || this.outcome === CopyOutcome.MISSING;
  }

  /** Whether, after any repair, this copy is one the backup can be restored from. */
  get isGood(): boolean {
    return this.outcome === CopyOutcome.OK || this.repair === RepairOutcome.REPAIRED;
  }

  repaired(from: ProviderName): void {
    this.repair = RepairOutcome.REPAIRED;
    this.repairedFrom = from;
    this.repairError = undefined;
  }

  repairFailed(reason: string): void {
    this.repair = RepairOutcome.FAILED;
    this.repairError = reason;
  }
}
