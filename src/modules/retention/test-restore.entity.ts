import { BigIntType, Entity, Enum, Index, Property } from '@mikro-orm/core';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { BackupType } from '../backups';
import { BackgroundRun, RunStatus } from './background-run';

/** Per table: what the archive (or the dump) holds and what came out of the scratch database. */
export interface TableCheck {
  table: string;
  expectedRows: number;
  restoredRows: number;
  /** Source rows at backup time, when the backup recorded them (disaster backups). */
  sourceRows?: number;
  ok: boolean;
  problem?: string;
}

/** Scratch databases are named after their test restore, so a leftover of a killed run can always be traced back. */
export const SCRATCH_PREFIX = 'tv_scratch_';

/**
 * A restore of a backup into a scratch database created for it, compared with what the archive says it holds. COMPLETED
 * means it passed; FAILED that the backup did not restore as recorded (or the run could not finish; see errorMessage).
 */
@Entity({ tableName: 'test_restores' })
@Index({ properties: ['backupId', 'createdAt'] })
@Index({ properties: ['tenantId', 'createdAt'] })
export class TestRestore extends BackgroundRun {
  @Property({ type: 'uuid' })
  backupId!: string;

  @Enum({ items: () => BackupType })
  backupType!: BackupType;

  @Property({ type: 'uuid', nullable: true })
  tenantId?: string;

  @Property({ type: 'text', nullable: true })
  provider?: ProviderName;

  @Property({ type: 'text' })
  scratchDatabase!: string;

  @Property({ type: 'integer', nullable: true })
  durationMs?: number;

  @Property({ type: new BigIntType('number'), nullable: true })
  rowsRestored?: number;

  @Property({ type: 'json', nullable: true })
  tables?: TableCheck[];

  static request(backup: { id: string; type: BackupType; tenantId?: string }, initiatedBy: string): TestRestore {
    const run = Object.assign(new TestRestore(), { backupId: backup.id, backupType: backup.type, tenantId: backup.tenantId, initiatedBy });
    run.scratchDatabase = `${SCRATCH_PREFIX}${run.id.replace(/-/g, '')}`;
    return run;
  }

  /** The test restore's verdict once finished: PASSED or FAILED. */
  get outcome(): 'PASSED' | 'FAILED' | undefined {
    if (this.status === RunStatus.COMPLETED) return 'PASSED';
    return this.status === RunStatus.FAILED ? 'FAILED' : undefined;
  }

  finish(result: { tables: TableCheck[]; problem?: string }): void {
    this.tables = result.tables;
    this.rowsRestored = result.tables.reduce((sum, t) => sum + t.restoredRows, 0);
    this.durationMs = Date.now() - (this.startedAt ?? this.createdAt).getTime();
    if (result.problem) this.fail(result.problem);
    else this.complete();
  }

  override fail(reason: string): void {
    super.fail(reason);
    this.durationMs ??= Date.now() - (this.startedAt ?? this.createdAt).getTime();
  }
}
