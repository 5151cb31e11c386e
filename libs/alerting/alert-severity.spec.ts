import { AlertSeverity } from './alert-notification';
import { compareSeverities, isAlertSeverity, isAtLeast, severityRank } from './alert-severity';

describe('alert severity order', () => {
  it('runs INFO < WARNING < ERROR < CRITICAL', () => {
    const shuffled: AlertSeverity[] = ['ERROR', 'INFO', 'CRITICAL', 'WARNING'];
    expect([...shuffled].sort(compareSeverities)).toEqual(['INFO', 'WARNING', 'ERROR', 'CRITICAL']);
    expect(severityRank('INFO')).toBeLessThan(severityRank('CRITICAL'));
  });

  it('compares against a minimum inclusively', () => {
    expect(isAtLeast('ERROR', 'ERROR')).toBe(true);
    expect(isAtLeast('CRITICAL', 'ERROR')).toBe(true);
    expect(isAtLeast('WARNING', 'ERROR')).toBe(false);
    expect(isAtLeast('INFO', 'INFO')).toBe(true);
  });

  it('refuses what is not a severity', () => {
    expect(isAlertSeverity('critical')).toBe(false);
    expect(isAlertSeverity('CRITICAL')).toBe(true);
    expect(() => severityRank('FATAL' as AlertSeverity)).toThrow(RangeError);
  });
});
