import { AlertChannel } from './alert-channel.port';
import { AlertNotification, AlertSeverity } from './alert-notification';
import { withMinimumSeverity } from './minimum-severity.channel';

/** A channel that keeps what it is given: the wrapper's logic is all that is under test here. */
class RecordingChannel implements AlertChannel {
  readonly name = 'webhook' as const;
  readonly sent: AlertNotification[] = [];
  async send(notification: AlertNotification): Promise<void> {
    this.sent.push(notification);
  }
}

const alert = (severity: AlertSeverity, event: AlertNotification['event'] = 'raised'): AlertNotification => ({
  alertId: `${severity}-${event}`,
  type: 'STORAGE_CAPACITY',
  severity,
  status: event === 'raised' ? 'ACTIVE' : 'RESOLVED',
  event,
  message: 'storage at 91%',
  details: {},
  firstSeenAt: new Date(0),
  lastSeenAt: new Date(0),
  occurrences: 1,
});

describe('withMinimumSeverity', () => {
  it('passes alerts at or above the minimum, and their resolutions, and drops the rest', async () => {
    const inner = new RecordingChannel();
    const filtered = withMinimumSeverity(inner, 'WARNING');
    for (const severity of ['INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const) {
      await filtered.send(alert(severity));
      await filtered.send(alert(severity, 'resolved'));
    }
    expect(inner.sent.map((n) => n.alertId)).toEqual([
      'WARNING-raised',
      'WARNING-resolved',
      'ERROR-raised',
      'ERROR-resolved',
      'CRITICAL-raised',
      'CRITICAL-resolved',
    ]);
    expect(filtered.name).toBe('webhook');
    expect(filtered.accepts(alert('INFO'))).toBe(false);
  });

  it('lets errors of the wrapped channel through', async () => {
    const failing: AlertChannel = { name: 'email', send: () => Promise.reject(new Error('down')) };
    await expect(withMinimumSeverity(failing, 'INFO').send(alert('INFO'))).rejects.toThrow('down');
  });

  it('refuses an unknown minimum', () => {
    expect(() => withMinimumSeverity(new RecordingChannel(), 'LOUD' as AlertSeverity)).toThrow(RangeError);
  });
});
