import { Entity, Enum, Property } from '@mikro-orm/core';
import type { ProviderName } from '../../../libs/storage/storage.port';
import type { WalChainReport } from '../point-in-time';
import { BackgroundRun } from './background-run';

/** BACKUP: one backup (at one provider or all); RECENT: every backup completed in the last `days` days. */
export enum VerificationScope {
  BACKUP = 'BACKUP',
  RECENT = 'RECENT',
}

/** A verification of stored copies, run by a worker; each copy's outcome is a CopyCheck of this run. */
@Entity({ tableName: 'verification_runs' })
export class VerificationRun extends BackgroundRun {
  @Enum({ items: () => VerificationScope })
  scope!: VerificationScope;

  @Property({ type: 'uuid', nullable: true })
  backupId?: string;

  @Property({ type: 'text', nullable: true })
  provider?: ProviderName;

  @Property({ type: 'integer', nullable: true })
  days?: number;

  /** Backups to check, known once the run starts. */
  @Property({ type: 'integer' })
  total = 0;

  @Property({ type: 'integer' })
  checked = 0;

  /** Backups whose every checked copy was good (after repairs). */
  @Property({ type: 'integer' })
  verified = 0;

  /** Backups left with a bad copy, or none good. */
  @Property({ type: 'integer' })
  failed = 0;

  /** Copies re-created from a good one. */
  @Property({ type: 'integer' })
  repaired = 0;

  /** RECENT runs: the WAL chain of every kept base backup, walked to the newest segment (point-in-time recovery). */
  @Property({ type: 'json', nullable: true })
  walChain?: WalChainReport;

  static ofBackup(backupId: string, provider: ProviderName | undefined, initiatedBy: string): VerificationRun {
    return Object.assign(new VerificationRun(), { scope: VerificationScope.BACKUP, backupId, provider, initiatedBy });
  }

  static ofRecent(days: number, initiatedBy: string): VerificationRun {
    return Object.assign(new VerificationRun(), { scope: VerificationScope.RECENT, days, initiatedBy });
  }

  /** A run started over by a retried job counts from zero. */
  override start(): void {
    super.start();
    Object.assign(this, { total: 0, checked: 0, verified: 0, failed: 0, repaired: 0 });
  }
}
