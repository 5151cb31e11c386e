import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** FAILURE: the work failed. DENIED: no or a bad token (401), or the wrong role (403). REFUSED: the request was refused (other 4xx). */
export enum AuditOutcome {
  SUCCESS = 'SUCCESS',
  FAILURE = 'FAILURE',
  DENIED = 'DENIED',
  REFUSED = 'REFUSED',
}

/** Who did what to which target, when, and how it ended. Written for every operation that changes anything. */
@Entity({ tableName: 'audit_records' })
@Index({ properties: ['at'] })
export class AuditRecord {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  actor!: string;

  @Property({ type: 'text' })
  actorRole!: string;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  targetType!: string;

  @Property({ type: 'text', nullable: true })
  targetId?: string;

  @Property({ type: 'uuid', nullable: true })
  tenantId?: string;

  @Enum({ items: () => AuditOutcome })
  outcome!: AuditOutcome;

  @Property({ type: 'json', nullable: true })
  detail?: Record<string, unknown>;

  @Property({ type: 'timestamptz' })
  at: Date = new Date();
}
