import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue, UnrecoverableError } from 'bullmq';
import { AlertChannel, AlertDeliveryError, AlertEvent, AlertNotification, MinimumSeverityChannel } from '../../../libs/alerting';
import { addJob } from '../../common/queueing';
import { APP_CONFIG, AppConfig } from '../../config';
import { ALERT_CHANNELS } from './alert-channels.token';
import { Alert } from './alert.entity';
import { AlertDeliveryJob, AlertsQueue, DeliverAlertPayload, deliveryJobId } from './alerts.jobs';

function accepts(channel: AlertChannel, notification: AlertNotification): boolean {
  return channel instanceof MinimumSeverityChannel ? channel.accepts(notification) : true;
}

/**
 * Sends alerts to people and machines through the delivery queue: one job per channel, so a channel that fails (and is
 * retried with backoff) never delays another, nor the work that raised the alert.
 */
@Injectable()
export class AlertNotifier {
  private readonly logger = new Logger(AlertNotifier.name);

  constructor(
    @Inject(ALERT_CHANNELS) private readonly channels: AlertChannel[],
    @InjectQueue(AlertsQueue.DELIVERY) private readonly queue: Queue<DeliverAlertPayload>,
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Enqueues the alert's `event` for every channel whose minimum severity it meets, skipping channels that already
   * delivered it. Never throws: while Redis is down the alert is still in the alerts API, and the monitoring job
   * enqueues what was missed.
   */
  async notify(alert: Alert, event: AlertEvent): Promise<void> {
    const notification = alert.notification(event);
    const delivered = new Set(alert.channelsDelivered.filter((d) => d.event === event).map((d) => d.channel));
    const targets = this.channels.filter((channel) => accepts(channel, notification) && !delivered.has(channel.name));
    await Promise.all(
      targets.map(async (channel) => {
        const payload: DeliverAlertPayload = {
          alertId: alert.id,
          event,
          channel: channel.name,
          notification: { ...notification, firstSeenAt: notification.firstSeenAt.toISOString(), lastSeenAt: notification.lastSeenAt.toISOString(), resolvedAt: notification.resolvedAt?.toISOString() },
        };
        try {
          await addJob(this.queue, AlertDeliveryJob.SEND, payload, {
            jobId: deliveryJobId(alert.id, event, channel.name),
            backoff: { type: 'exponential', delay: this.config.alerts.deliveryBackoffMs },
          });
        } catch (error) {
          this.logger.error(`alert ${alert.id} (${alert.type}) not queued for ${channel.name}: ${(error as Error).message}`);
        }
      }),
    );
  }

  /** One attempt of one job; a refusal that another attempt cannot change (bad address, 4xx, auth) ends the job. */
  async deliver(payload: DeliverAlertPayload): Promise<void> {
    const channel = this.channels.find((c) => c.name === payload.channel);
    if (!channel) throw new UnrecoverableError(`alert channel ${payload.channel} is no longer configured`);
    const { notification } = payload;
    try {
      await channel.send({
        ...notification,
        firstSeenAt: new Date(notification.firstSeenAt),
        lastSeenAt: new Date(notification.lastSeenAt),
        resolvedAt: notification.resolvedAt ? new Date(notification.resolvedAt) : undefined,
      });
    } catch (error) {
      if (error instanceof AlertDeliveryError && !error.retryable) throw new UnrecoverableError(`${error.code}: ${error.message}`);
      throw error;
    }
    await this.em.fork().getRepository(Alert).recordDelivery(payload.alertId, payload.channel, payload.event, new Date());
  }
}
