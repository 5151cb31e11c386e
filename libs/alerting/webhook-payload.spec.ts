import { NEXT_STEPS } from './alert-next-steps';
import { buildWebhookPayload } from './webhook-payload';

describe('buildWebhookPayload', () => {
  it('always has every field: absent ids and resolution fields are null, times ISO 8601 UTC', () => {
    const payload = buildWebhookPayload({
      alertId: 'a1',
      type: 'PROVIDER_UNREACHABLE',
      severity: 'ERROR',
      status: 'ACTIVE',
      event: 'raised',
      message: 'r2 did not answer',
      details: { provider: 'r2' },
      firstSeenAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
      lastSeenAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 6)),
      occurrences: 1,
    });
    expect(payload).toEqual({
      version: 1,
      event: 'raised',
      alertId: 'a1',
      type: 'PROVIDER_UNREACHABLE',
      severity: 'ERROR',
      status: 'ACTIVE',
      text: '[TenantVault][ERROR] PROVIDER_UNREACHABLE: r2 did not answer',
      message: 'r2 did not answer',
      tenantId: null,
      backupId: null,
      restoreId: null,
      firstSeenAt: '2026-01-02T03:04:05.000Z',
      lastSeenAt: '2026-01-02T03:04:06.000Z',
      occurrences: 1,
      resolvedAt: null,
      resolutionNote: null,
      details: { provider: 'r2' },
      nextSteps: NEXT_STEPS.PROVIDER_UNREACHABLE,
    });
  });
});
