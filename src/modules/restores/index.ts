/** Restores context: tenant restores (one, many, all; FULL and MERGE), run from the queue or the CLI. */
export { RestoresModule } from './restores.module';
export { RestoresService } from './restores.service';
export { RestoreRunner } from './restore-runner.service';
export { RestoresSweeper } from './restores.sweeper';
export type { RestoreProgress, RestoreProgressReporter } from './restore-runner.service';
export { RestoreOperation } from './restore-operation.entity';
export { RestoreItem } from './restore-item.entity';
export { RestoreItemStatus, RestoreMode, RestoreStatus, RestoreType } from './restore.types';
export { RestoreResponse } from './dto/restore.response';
