import { EntityRepository } from '@mikro-orm/postgresql';
import type { AlertChannelName, AlertEvent, AlertSeverity, AlertStatus, AlertType } from '../../../libs/alerting';
import type { Alert, AlertInput } from './alert.entity';
import { OPEN_STATUSES } from './alert.types';

export interface AlertFilter {
  status?: AlertStatus;
  type?: AlertType;
  severity?: AlertSeverity;
  tenantId?: string;
}

export interface OpenAlertCount {
  type: AlertType;
  severity: AlertSeverity;
  status: AlertStatus;
  count: number;
}

export class AlertRepository extends EntityRepository<Alert> {
  /**
   * Counts one more occurrence of the open alert with this key, in one statement (concurrent occurrences all count):
   * last seen, message, details and related ids become the newest. Returns the alert's id, or undefined when no alert
   * with the key is open.
   */
  async recordOccurrence(input: AlertInput, now: Date): Promise<string | undefined> {
    const rows = await this.getEntityManager().getConnection().execute<{ id: string }[]>(
      `update alerts set occurrences = occurrences + 1, last_seen_at = greatest(last_seen_at, ?), message = ?, details = ?,
         tenant_id = coalesce(?, tenant_id), backup_id = coalesce(?, backup_id), restore_id = coalesce(?, restore_id), version = version + 1
       where dedup_key = ? and status in (?, ?) returning id`,
      [now, input.message, JSON.stringify(input.details ?? {}), input.tenantId ?? null, input.backupId ?? null, input.restoreId ?? null, input.dedupKey, ...OPEN_STATUSES],
    );
    return rows[0]?.id;
  }

  /** Open alerts whose key is one of `keys`. */
  findOpenByKeys(keys: string[]): Promise<Alert[]> {
    return keys.length === 0 ? Promise.resolve([]) : this.find({ dedupKey: { $in: keys }, status: { $in: OPEN_STATUSES } });
  }

  /** Open alerts of a type, optionally only those whose key starts with `keyPrefix`. */
  findOpenOfType(type: AlertType, keyPrefix?: string): Promise<Alert[]> {
    return this.find({ type, status: { $in: OPEN_STATUSES }, ...(keyPrefix ? { dedupKey: { $like: `${keyPrefix.replace(/[\\%_]/g, '\\$&')}%` } } : {}) });
  }

  /** Newest activity first. */
  findPage(filter: AlertFilter, limit: number, offset: number): Promise<[Alert[], number]> {
    const where = {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.type ? { type: filter.type } : {}),
      ...(filter.severity ? { severity: filter.severity } : {}),
      ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
    };
    return this.findAndCount(where, { orderBy: { lastSeenAt: 'desc', id: 'desc' }, limit, offset });
  }

  async countOpen(): Promise<OpenAlertCount[]> {
    const rows = await this.getEntityManager().getConnection().execute<{ type: AlertType; severity: AlertSeverity; status: AlertStatus; count: string }[]>(
      `select type, severity, status, count(*) as count from alerts where status in (?, ?) group by type, severity, status order by type, severity, status`,
      [...OPEN_STATUSES],
    );
    return rows.map((r) => ({ type: r.type, severity: r.severity, status: r.status, count: Number(r.count) }));
  }

  /** Appends a delivery in one statement: the channels' jobs finish concurrently and must not overwrite each other. */
  async recordDelivery(alertId: string, channel: AlertChannelName, event: AlertEvent, at: Date): Promise<void> {
    await this.getEntityManager().getConnection().execute(`update alerts set channels_delivered = channels_delivered || ?::jsonb where id = ?`, [JSON.stringify([{ channel, event, at: at.toISOString() }]), alertId]);
  }
}
