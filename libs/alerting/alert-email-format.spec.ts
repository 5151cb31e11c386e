import { formatAlertHeadline, formatEmailHtml, formatEmailText, shortMessage } from './alert-email-format';
import { NEXT_STEPS } from './alert-next-steps';
import { AlertNotification } from './alert-notification';

const base: AlertNotification = {
  alertId: 'alert-1',
  type: 'BACKUP_FAILURE',
  severity: 'CRITICAL',
  status: 'ACTIVE',
  event: 'raised',
  message: 'pg_dump exited with code 1',
  details: { exitCode: 1, stderr: 'FATAL: role "x" does not exist', providers: ['b2', 'r2'] },
  tenantId: '11111111-2222-4333-8444-555555555555',
  firstSeenAt: new Date('2026-03-01T01:00:00Z'),
  lastSeenAt: new Date('2026-03-01T01:20:00Z'),
  occurrences: 2,
};
const n = (overrides: Partial<AlertNotification> = {}): AlertNotification => ({ ...base, ...overrides });

describe('formatAlertHeadline (the e-mail subject)', () => {
  it('names the product, severity, type, tenant and the message', () => {
    expect(formatAlertHeadline(n())).toBe('[TenantVault][CRITICAL] BACKUP_FAILURE tenant 11111111…: pg_dump exited with code 1');
  });

  it('says RESOLVED instead of the severity for a resolution', () => {
    expect(formatAlertHeadline(n({ event: 'resolved', status: 'RESOLVED' }))).toBe(
      '[TenantVault][RESOLVED] BACKUP_FAILURE tenant 11111111…: pg_dump exited with code 1',
    );
  });

  it('leaves the tenant out of platform-wide alerts', () => {
    expect(formatAlertHeadline(n({ type: 'PROVIDER_UNREACHABLE', severity: 'ERROR', tenantId: undefined, message: 'b2 unreachable' }))).toBe(
      '[TenantVault][ERROR] PROVIDER_UNREACHABLE: b2 unreachable',
    );
  });

  it('keeps one line of at most 80 characters of the message, whatever it holds', () => {
    const headline = formatAlertHeadline(n({ message: `\n  first\tline ${'x'.repeat(200)}\r\nsecond line` }));
    expect(headline).not.toMatch(/[\r\n\t]/);
    expect(headline).not.toContain('second line');
    const message = headline.split(': ')[1];
    expect(Array.from(message)).toHaveLength(80);
    expect(message.startsWith('first line xxx')).toBe(true);
    expect(message.endsWith('…')).toBe(true);
  });

  it('never cuts a character in half', () => {
    const cut = shortMessage('😀'.repeat(100), 10);
    expect(Array.from(cut)).toEqual([...Array(9).fill('😀'), '…']);
  });
});

describe('formatEmailText', () => {
  it('says what happened, the ids, when, the details and what to do next', () => {
    const text = formatEmailText(n({ backupId: 'backup-9' }));
    expect(text.split('\n')[0]).toBe('CRITICAL alert raised: BACKUP_FAILURE.');
    for (const line of [
      'Alert        alert-1',
      'Tenant       11111111-2222-4333-8444-555555555555',
      'Backup       backup-9',
      'First seen   2026-03-01T01:00:00.000Z',
      'Last seen    2026-03-01T01:20:00.000Z',
      'Occurrences  2',
      '  stderr: FATAL: role "x" does not exist',
      '  providers: ["b2","r2"]',
      `  ${NEXT_STEPS.BACKUP_FAILURE}`,
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toContain('Restore ');
    expect(text).not.toContain('Resolved at');
  });

  it('for a resolution, says when and why it cleared and that nothing needs doing', () => {
    const text = formatEmailText(
      n({ event: 'resolved', status: 'RESOLVED', resolvedAt: new Date('2026-03-01T03:00:00Z'), resolutionNote: 'next backup completed' }),
    );
    expect(text.split('\n')[0]).toBe('Resolved: BACKUP_FAILURE (was CRITICAL).');
    expect(text).toContain('Resolved at  2026-03-01T03:00:00.000Z');
    expect(text).toContain('Resolution   next backup completed');
    expect(text).toContain('Nothing: the condition has cleared.');
  });
});

describe('formatEmailHtml', () => {
  it('escapes everything that comes from the alert', () => {
    const html = formatEmailHtml(n({ message: '<script>alert(1)</script> & co', details: { '<b>': '"quoted"' } }));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; co');
    expect(html).toContain('&#34;quoted&#34;');
  });
});
