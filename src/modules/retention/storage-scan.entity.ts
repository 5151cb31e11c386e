import { Entity, Enum, Index, Property } from '@mikro-orm/core';
import { BackgroundRun } from './background-run';

/** SWEEP: orphans and leftovers of crashed writes removed (or, dry, listed); RECOUNT: every object counted. */
export enum ScanKind {
  SWEEP = 'SWEEP',
  RECOUNT = 'RECOUNT',
}

/** What one scan found (and for a real sweep, removed) at one provider. */
export interface ProviderScan {
  provider: string;
  /** RECOUNT: every object and its bytes. */
  objects?: number;
  bytes?: number;
  /** SWEEP: objects with no live record past the grace period, and their bytes. */
  orphanObjects?: number;
  orphanBytes?: number;
  /** SWEEP: unfinished uploads (local `.partial` files, S3 multipart uploads) past the grace period. */
  incompleteUploads?: number;
  /** Objects kept although the catalog has no record: a sidecar says they are backups (run `catalog rebuild`). */
  unknownToCatalog?: number;
  error?: string;
}

/** At most this many keys are kept on a scan record; the counts always cover everything. */
export const MAX_LISTED_KEYS = 1000;

/** A scan of the storage providers against the catalog, run by a worker and polled like any long work. */
@Entity({ tableName: 'storage_scans' })
@Index({ properties: ['kind', 'createdAt'] })
export class StorageScan extends BackgroundRun {
  @Enum({ items: () => ScanKind })
  kind!: ScanKind;

  @Property({ type: 'boolean' })
  dryRun = false;

  @Property({ type: 'integer', nullable: true })
  graceHours?: number;

  /** SWEEP: only what is older than evaluatedAt minus the grace period is touched. */
  @Property({ type: 'timestamptz', nullable: true })
  evaluatedAt?: Date;

  @Property({ type: 'json', nullable: true })
  providers?: ProviderScan[];

  /** SWEEP: what was removed (or, dry, would be), as `<provider>:<key or upload id>`, the first MAX_LISTED_KEYS. */
  @Property({ type: 'json', nullable: true })
  removed?: string[];

  /** SWEEP: completed backups none of whose objects is left at any provider, with what was found. */
  @Property({ type: 'json', nullable: true })
  flagged?: { backupId: string; reason: string }[];

  static sweep(dryRun: boolean, graceHours: number, initiatedBy: string): StorageScan {
    return Object.assign(new StorageScan(), { kind: ScanKind.SWEEP, dryRun, graceHours, initiatedBy });
  }

  static recount(initiatedBy: string): StorageScan {
    return Object.assign(new StorageScan(), { kind: ScanKind.RECOUNT, initiatedBy });
  }
}
