/** Disaster recovery context: whole-platform backups and restores, and the restore pipeline the CLI shares. */
export { DisasterRecoveryModule } from './disaster-recovery.module';
export { DisasterBackupsService } from './disaster-backups.service';
export { DisasterRestoresService } from './disaster-restores.service';
export { DisasterRestoreRunner } from './disaster-restore-runner.service';
export { DisasterRestoresSweeper } from './disaster-restores.sweeper';
export { DisasterRestore, DisasterRestoreStatus } from './disaster-restore.entity';
export { extractDisasterConfig, restoreDisasterObject } from './disaster-restore-pipeline';
export type { DisasterRestoreOutcome, DisasterRestoreRun } from './disaster-restore-pipeline';
