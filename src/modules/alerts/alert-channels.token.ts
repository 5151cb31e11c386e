import { Provider } from '@nestjs/common';
import { AlertChannel, createAlertChannels } from '../../../libs/alerting';
import { APP_CONFIG, AppConfig } from '../../config';

/** The configured alert channels (e-mail, webhook), each behind its minimum severity; none when nothing is set. */
export const ALERT_CHANNELS = Symbol('ALERT_CHANNELS');

export const alertChannelsProvider: Provider<AlertChannel[]> = {
  provide: ALERT_CHANNELS,
  inject: [APP_CONFIG],
  useFactory: ({ alerts }: AppConfig) =>
    createAlertChannels({
      smtpUrl: alerts.smtpUrl,
      emailTo: alerts.emailTo,
      emailFrom: alerts.emailFrom,
      emailMinimumSeverity: alerts.emailMinSeverity,
      webhookUrl: alerts.webhookUrl,
      webhookSecret: alerts.webhookSecret,
      webhookMinimumSeverity: alerts.webhookMinSeverity,
    }),
};
