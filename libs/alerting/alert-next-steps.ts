import { AlertType } from './alert-notification';

/**
 * What an operator should do first, one short runbook entry per alert type. E-mails and webhooks carry it and
 * docs/ALERT-CHANNELS.md repeats it word for word (a unit test keeps the two in step).
 * Paths are the super-admin API's (SPEC §6); `:id` placeholders are the ids the notification names.
 */
export const NEXT_STEPS: Readonly<Record<AlertType, string>> = {
  BACKUP_FAILURE:
    'Read the error on the backup (GET /api/super-admin/backups/:backupId) and the worker logs, fix the cause (source database reachable, storage credentials, disk space), then back the tenant up again (POST /api/super-admin/backups/tenant/:tenantId).',
  RESTORE_FAILURE:
    'The tenant was left as it was before the restore. Read the error on the restore (GET /api/super-admin/restore/:restoreId), validate the backup (POST /api/super-admin/restore/validate/:backupId), fix the cause and restore again.',
  INTEGRITY_FAILURE:
    'A stored copy is damaged or was altered: do not restore from it. Verify the backup at every provider (POST /api/super-admin/backups/:backupId/verify), restore only from a copy that verifies, check who can write to the bucket, and take a fresh backup.',
  SIZE_DEVIATION:
    "The backup's size is far from the tenant's recent average: check whether the tenant really lost or gained that much data (bulk delete, import, broken tenant filter). If data loss is suspected, put a legal hold on the last good backup (PUT /api/super-admin/backups/:backupId/hold) before retention removes it.",
  DURATION_THRESHOLD:
    'Backups take longer than expected: check the load on the source database, the throughput of the storage providers and the workers (GET /api/super-admin/monitoring); add workers or raise BACKUP_CONCURRENCY if they are saturated.',
  STORAGE_CAPACITY:
    'Storage is filling up: check usage per provider (GET /api/super-admin/storage/status), run retention (POST /api/super-admin/retention/run?dryRun=true first) or raise the quota before backups start to fail.',
  NO_RECENT_BACKUP:
    'No successful backup in the last 24 hours: check that the scheduler and worker roles are running and healthy (GET /health), read the last failures (GET /api/super-admin/monitoring), then back up now (POST /api/super-admin/backups/tenant/:tenantId).',
  PROVIDER_UNREACHABLE:
    "A storage provider cannot be reached: check GET /health/ready and GET /api/super-admin/storage/status, the provider's status page, its endpoint and credentials. Backups keep going to the other providers and missing copies are replicated once it is back.",
  REDUNDANCY_DEGRADED:
    'A backup is stored at fewer providers than configured: replication retries the missing copy on its own. If the alert stays, check the missing provider (GET /api/super-admin/storage/status) and its credentials.',
  LOW_SUCCESS_RATE:
    'Many recent backups failed: list the failing tenants and their errors (GET /api/super-admin/monitoring); a shared cause (source database, storage provider, encryption key) usually shows in the first failure.',
};

export function nextSteps(type: AlertType): string {
  const steps = NEXT_STEPS[type];
  if (!steps) throw new RangeError(`unknown alert type "${String(type)}"`);
  return steps;
}
