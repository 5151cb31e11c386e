import { Entity, EntityRepositoryType, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ALERT_SEVERITIES, ALERT_STATUSES, ALERT_TYPES, AlertChannelName, AlertEvent, AlertNotification, AlertSeverity, AlertStatus, AlertType, JsonObject } from '../../../libs/alerting';
import { AlertRepository } from './alert.repository';
import { OPEN_STATUSES } from './alert.types';
import { AlertAlreadyResolvedError } from './alerts.errors';

/** What a rule reports when it sees a condition. `dedupKey` names the condition: while an alert with it is open, seeing it again counts an occurrence. */
export interface AlertInput {
  type: AlertType;
  severity: AlertSeverity;
  dedupKey: string;
  /** One human sentence: what happened (never secrets; it is mailed as is). */
  message: string;
  details?: JsonObject;
  tenantId?: string;
  backupId?: string;
  restoreId?: string;
}

/** One notification accepted by a channel. */
export interface ChannelDelivery {
  channel: AlertChannelName;
  event: AlertEvent;
  at: string;
}

/** An alert (SPEC §9): ACTIVE → ACKNOWLEDGED → RESOLVED, or straight to RESOLVED when its condition clears. */
@Entity({ tableName: 'alerts', repository: () => AlertRepository })
@Index({ properties: ['status', 'lastSeenAt'] })
export class Alert {
  [EntityRepositoryType]?: AlertRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: [...ALERT_TYPES] })
  type!: AlertType;

  @Enum({ items: [...ALERT_SEVERITIES] })
  severity!: AlertSeverity;

  @Enum({ items: [...ALERT_STATUSES] })
  status: AlertStatus = 'ACTIVE';

  /** Unique among open alerts (a partial unique index), so the same condition never opens two. */
  @Property({ type: 'text' })
  dedupKey!: string;

  @Property({ type: 'text' })
  message!: string;

  @Property({ type: 'json' })
  details: JsonObject = {};

  @Property({ type: 'uuid', nullable: true })
  tenantId?: string;

  @Property({ type: 'uuid', nullable: true })
  backupId?: string;

  @Property({ type: 'uuid', nullable: true })
  restoreId?: string;

  @Property({ type: 'timestamptz' })
  firstSeenAt!: Date;

  @Property({ type: 'timestamptz' })
  lastSeenAt!: Date;

  @Property({ type: 'integer' })
  occurrences = 1;

  @Property({ type: 'json' })
  channelsDelivered: ChannelDelivery[] = [];

  @Property({ type: 'text', nullable: true })
  acknowledgedBy?: string;

  @Property({ type: 'timestamptz', nullable: true })
  acknowledgedAt?: Date;

  /** A token subject, or `system` when the rule saw the condition clear. */
  @Property({ type: 'text', nullable: true })
  resolvedBy?: string;

  @Property({ type: 'timestamptz', nullable: true })
  resolvedAt?: Date;

  @Property({ type: 'text', nullable: true })
  resolutionNote?: string;

  /** Optimistic lock: an occurrence, an acknowledgement and a resolution racing each other never overwrite one another. */
  @Property({ type: 'integer', version: true })
  version = 1;

  static raise(input: AlertInput, now: Date): Alert {
    const alert = new Alert();
    Object.assign(alert, {
      type: input.type,
      severity: input.severity,
      dedupKey: input.dedupKey,
      message: input.message,
      details: input.details ?? {},
      tenantId: input.tenantId,
      backupId: input.backupId,
      restoreId: input.restoreId,
      firstSeenAt: now,
      lastSeenAt: now,
    });
    return alert;
  }

  get isOpen(): boolean {
    return OPEN_STATUSES.includes(this.status);
  }

  /** Someone is on it; it stays open (and keeps counting occurrences) until its condition clears or it is resolved. */
  acknowledge(by: string, now: Date): void {
    if (!this.isOpen) throw new AlertAlreadyResolvedError(this.id);
    if (this.status === 'ACKNOWLEDGED') return; // the first acknowledgement is the one that counts
    this.status = 'ACKNOWLEDGED';
    this.acknowledgedBy = by;
    this.acknowledgedAt = now;
  }

  resolve(by: string, note: string | undefined, now: Date): void {
    if (!this.isOpen) throw new AlertAlreadyResolvedError(this.id);
    this.status = 'RESOLVED';
    this.resolvedBy = by;
    this.resolvedAt = now;
    this.resolutionNote = note;
  }

  /** The alert as channels deliver it, at this moment: a retried delivery sends this same snapshot. */
  notification(event: AlertEvent): AlertNotification {
    return {
      alertId: this.id,
      type: this.type,
      severity: this.severity,
      status: this.status,
      event,
      message: this.message,
      details: this.details,
      // Read back from the catalog, absent values are null; channels expect them left out.
      tenantId: this.tenantId ?? undefined,
      backupId: this.backupId ?? undefined,
      restoreId: this.restoreId ?? undefined,
      firstSeenAt: this.firstSeenAt,
      lastSeenAt: this.lastSeenAt,
      occurrences: this.occurrences,
      ...(event === 'resolved' ? { resolvedAt: this.resolvedAt ?? undefined, resolutionNote: this.resolutionNote ?? undefined } : {}),
    };
  }
}
