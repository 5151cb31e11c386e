import { OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import type { AlertType } from '../../../libs/alerting';
import { AlertNotifier } from './alert-notifier.service';
import { Alert, AlertInput } from './alert.entity';
import { AlertFilter, OpenAlertCount } from './alert.repository';
import { AlertAlreadyResolvedError, AlertNotFoundError } from './alerts.errors';

/** Who resolves an alert whose condition cleared. */
const SYSTEM_ACTOR = 'system';

/**
 * The Alerts face: raise (deduplicated by key), clear when the condition is gone, acknowledge and resolve, query.
 * Rules call it from domain events and the monitoring job; channels hear of it through the delivery queue.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly notifier: AlertNotifier,
  ) {}

  /**
   * Opens an alert and notifies the channels, or, when an alert with the same key is open, counts one more occurrence
   * and sends nothing. Safe when several processes see the same condition at once.
   */
  async raise(input: AlertInput, now: Date = new Date()): Promise<Alert> {
    for (let attempt = 0; ; attempt++) {
      const em = this.em.fork();
      const openId = await em.getRepository(Alert).recordOccurrence(input, now);
      if (openId) return em.findOneOrFail(Alert, { id: openId });
      const alert = Alert.raise(input, now);
      try {
        await em.persistAndFlush(alert);
      } catch (error) {
        // Another process opened it between the two statements: this sighting becomes an occurrence of that one.
        if (error instanceof UniqueConstraintViolationException && attempt === 0) continue;
        throw error;
      }
      this.logger.warn(`alert ${alert.id} raised: ${alert.severity} ${alert.type}: ${alert.message}`);
      await this.notifier.notify(alert, 'raised');
      return alert;
    }
  }

  /** The condition behind these keys is gone: their open alerts are resolved by the system and the resolution notified. */
  async clear(keys: string[], note: string, now: Date = new Date()): Promise<Alert[]> {
    const open = await this.em.fork().getRepository(Alert).findOpenByKeys(keys);
    return this.resolveAll(open, note, now);
  }

  /** Resolves the open alerts of `type` (whose key starts with `keyPrefix`) that `stillTrue` no longer vouches for. */
  async clearOfType(type: AlertType, keyPrefix: string, stillTrue: (alert: Alert) => boolean, note: string, now: Date = new Date()): Promise<Alert[]> {
    const open = await this.em.fork().getRepository(Alert).findOpenOfType(type, keyPrefix);
    return this.resolveAll(open.filter((alert) => !stillTrue(alert)), note, now);
  }

  acknowledge(alertId: string, by: string): Promise<Alert> {
    return this.change(alertId, (alert) => alert.acknowledge(by, new Date()));
  }

  async resolve(alertId: string, by: string, note?: string): Promise<Alert> {
    const alert = await this.change(alertId, (a) => a.resolve(by, note, new Date()));
    await this.notifier.notify(alert, 'resolved');
    return alert;
  }

  async get(alertId: string): Promise<Alert> {
    const alert = await this.em.fork().findOne(Alert, { id: alertId });
    if (!alert) throw new AlertNotFoundError(alertId);
    return alert;
  }

  list(filter: AlertFilter, limit: number, offset: number): Promise<[Alert[], number]> {
    return this.em.fork().getRepository(Alert).findPage(filter, limit, offset);
  }

  /** Open (ACTIVE and ACKNOWLEDGED) alerts per type, severity and status. */
  openCounts(): Promise<OpenAlertCount[]> {
    return this.em.fork().getRepository(Alert).countOpen();
  }

  /**
   * Enqueues again the notifications of the alerts raised or resolved since `since` that no channel has confirmed
   * (Redis was down when they happened). Job ids make this a no-op for notifications still queued or given up.
   */
  async redeliverMissed(since: Date): Promise<number> {
    const alerts = await this.em.fork().find(Alert, { $or: [{ firstSeenAt: { $gte: since } }, { resolvedAt: { $gte: since } }] }, { orderBy: { firstSeenAt: 'asc' }, limit: 1000 });
    for (const alert of alerts) await this.notifier.notify(alert, alert.isOpen ? 'raised' : 'resolved');
    return alerts.length;
  }

  private async resolveAll(alerts: Alert[], note: string, now: Date): Promise<Alert[]> {
    const resolved: Alert[] = [];
    for (const { id } of alerts) {
      try {
        const alert = await this.change(id, (a) => a.resolve(SYSTEM_ACTOR, note, now));
        this.logger.log(`alert ${alert.id} (${alert.type}) resolved: ${note}`);
        await this.notifier.notify(alert, 'resolved');
        resolved.push(alert);
      } catch (error) {
        if (!(error instanceof AlertAlreadyResolvedError)) throw error; // someone else resolved it meanwhile
      }
    }
    return resolved;
  }

  /** Applies a state change under the optimistic lock, reading the alert again when a concurrent change won. */
  private async change(alertId: string, apply: (alert: Alert) => void): Promise<Alert> {
    for (let attempt = 0; ; attempt++) {
      const em = this.em.fork();
      const alert = await em.findOne(Alert, { id: alertId });
      if (!alert) throw new AlertNotFoundError(alertId);
      apply(alert);
      try {
        await em.flush();
        return alert;
      } catch (error) {
        if (error instanceof OptimisticLockError && attempt < 5) continue;
        throw error;
      }
    }
  }
}
