import type { AlertStatus } from '../../../libs/alerting';

/** An open alert is not resolved: its key is taken, and a new sighting of its condition counts as an occurrence. */
export const OPEN_STATUSES: AlertStatus[] = ['ACTIVE', 'ACKNOWLEDGED'];
