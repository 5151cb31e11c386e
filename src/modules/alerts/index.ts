/**
 * Alerts context: alerts raised by rules from domain events and from the monitoring job, deduplicated, delivered by
 * e-mail and signed webhook through a queue, acknowledged and resolved through the alerts API.
 */
export { AlertsModule } from './alerts.module';
export { AlertsService } from './alerts.service';
export { AlertsMonitor } from './alerts-monitor.service';
export type { MonitorReport } from './alerts-monitor.service';
export { Alert } from './alert.entity';
export type { AlertInput } from './alert.entity';
export type { AlertFilter, OpenAlertCount } from './alert.repository';
export { AlertNotFoundError, AlertAlreadyResolvedError } from './alerts.errors';
