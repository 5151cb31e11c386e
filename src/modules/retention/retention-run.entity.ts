import { Entity, Index, Property } from '@mikro-orm/core';
import type { WalPruneReport } from '../point-in-time';
import { BackgroundRun } from './background-run';

/** Why a backup expires, or every protection and rule that keeps it (selectForRetention's answer, by backup type). */
export interface RetentionDecisions {
  candidates: { backupId: string; type: string; group: string; createdAt: string; reason: string }[];
  kept: { backupId: string; type: string; group: string; createdAt: string; reasons: string[] }[];
  /** The WAL archive: what no kept base backup needs any more (a dry run counts it, a real run deletes it). */
  wal?: WalPruneReport;
}

/**
 * One retention run. A dry run selects and deletes nothing; a real run deletes each candidate from every provider and
 * marks its record DELETED. Both keep their decisions, so a dry run shows exactly what a real one would delete.
 */
@Entity({ tableName: 'retention_runs' })
@Index({ properties: ['createdAt'] })
export class RetentionRun extends BackgroundRun {
  @Property({ type: 'boolean' })
  dryRun!: boolean;

  /** The instant policies were applied at. */
  @Property({ type: 'timestamptz', nullable: true })
  evaluatedAt?: Date;

  @Property({ type: 'json', nullable: true })
  decisions?: RetentionDecisions;

  @Property({ type: 'integer' })
  deleted = 0;

  @Property({ type: 'integer' })
  failed = 0;

  /** Candidates not deleted this time (a provider down, a hold placed meanwhile), with the reason; the next run retries. */
  @Property({ type: 'json', nullable: true })
  failures?: { backupId: string; reason: string }[];

  static request(dryRun: boolean, initiatedBy: string): RetentionRun {
    return Object.assign(new RetentionRun(), { dryRun, initiatedBy });
  }
}
