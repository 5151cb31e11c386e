import { EntityManager } from '@mikro-orm/postgresql';
import { everyInterval, heartbeatIntervalMs } from '../../common/heartbeat';
import type { AppConfig } from '../../config';
import { BackupRecord } from './backup.entity';
import { BackupStatus } from './backup.types';

/** Renews `heartbeatAt` of a running backup until the returned function is called; the sweep reads it. */
export function keepRecordAlive(em: EntityManager, config: AppConfig, backupId: string): () => void {
  return everyInterval(heartbeatIntervalMs(config), () => em.fork().nativeUpdate(BackupRecord, { id: backupId, status: BackupStatus.IN_PROGRESS }, { heartbeatAt: new Date() }));
}
