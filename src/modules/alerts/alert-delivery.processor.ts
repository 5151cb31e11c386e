import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QueueWorker } from '../../common/queue-worker';
import { AlertNotifier } from './alert-notifier.service';
import { AlertsQueue, DeliverAlertPayload } from './alerts.jobs';

/** Deliveries wait on remote servers (up to a 5 s timeout each): a few at once keep one slow channel from holding the others. */
const DELIVERY_CONCURRENCY = 4;

/** Thin BullMQ worker of alert notifications; attempts and backoff come from ALERT_DELIVERY_ATTEMPTS / _BACKOFF_MS. */
@Processor(AlertsQueue.DELIVERY)
export class AlertDeliveryProcessor extends QueueWorker {
  constructor(private readonly notifier: AlertNotifier) {
    super();
  }

  protected override concurrency(): number {
    return DELIVERY_CONCURRENCY;
  }

  process(job: Job<DeliverAlertPayload>): Promise<void> {
    return this.notifier.deliver(job.data);
  }
}
