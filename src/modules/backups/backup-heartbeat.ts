import { EntityManager } from '@mikro-orm/postgresql';
import { Cancellation } from '../../common/cancellation';
import { everyInterval, heartbeatIntervalMs } from '../../common/heartbeat';
import type { AppConfig } from '../../config';
import { BackupStatus } from './backup.types';

/**
 * While a backup runs: renews its `heartbeatAt` (the sweep reads it) and picks up an operator's cancel request, which
 * `cancellation` then carries to the running stream. Returns the function that stops it.
 */
export function watchRecord(em: EntityManager, config: AppConfig, backupId: string, cancellation: Cancellation): () => void {
  return everyInterval(heartbeatIntervalMs(config), async () => {
    const rows = await em.getConnection().execute<{ cancel_requested_by: string | null }[]>(
      'update backup_records set heartbeat_at = now() where id = ? and status = ? returning cancel_requested_by',
      [backupId, BackupStatus.IN_PROGRESS],
    );
    if (rows[0]?.cancel_requested_by) cancellation.request(rows[0].cancel_requested_by);
  });
}
