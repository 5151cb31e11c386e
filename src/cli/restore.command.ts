import 'reflect-metadata';
import { isUUID } from 'class-validator';
import { Presets, SingleBar } from 'cli-progress';
import type { ProviderName } from '../../libs/storage/storage.port';
import { createBackgroundApp } from '../app.factory';
import { AppConfig } from '../config';
import { RestoreMode, RestoreResponse, RestoreRunner, RestoresService, RestoreStatus } from '../modules/restores';
import { cliActor } from './cli-audit';

export interface RestoreCommandOptions {
  tenant: string;
  backup: string;
  mode: RestoreMode;
  provider?: ProviderName;
  skipValidation: boolean;
  actor?: string;
}

/**
 * Restores one tenant without the HTTP API, through the same service and runner as the API (lock, validation,
 * PRE_RESTORE snapshot, one-transaction import), so the operation is in the catalog's history like any other.
 * Progress goes to stderr, the final record as JSON to stdout.
 */
export async function restoreCommand(config: AppConfig, options: RestoreCommandOptions): Promise<void> {
  if (!isUUID(options.tenant)) throw new Error('--tenant must be a UUID');
  if (!isUUID(options.backup)) throw new Error('--backup must be a UUID');
  // Role api builds every service without queue workers or crons (this process must not pick up other jobs), and nothing listens.
  const app = await createBackgroundApp({ ...config, role: 'api' }, false);
  const bar = new SingleBar({ stream: process.stderr, format: 'restore [{bar}] {percentage}% | {phase}', noTTYOutput: true, notTTYSchedule: 1000, hideCursor: true }, Presets.shades_classic);
  try {
    const initiatedBy = cliActor(options.actor);
    const prepared = await app.get(RestoresService).prepareTenantRestore(options.tenant, options.backup, { mode: options.mode, provider: options.provider, skipValidation: options.skipValidation }, initiatedBy);
    bar.start(100, 0, { phase: `restore ${prepared.id}` });
    const operation = await app.get(RestoreRunner).run(prepared.id, (p) => bar.update(p.percent, { phase: p.phase }));
    bar.update(operation.progress, { phase: operation.status.toLowerCase() });
    bar.stop();
    console.log(JSON.stringify(RestoreResponse.from(operation), null, 2));
    if (operation.status !== RestoreStatus.COMPLETED) throw new Error(`restore ${operation.id} failed: ${operation.errorMessage}`);
    const item = operation.items[0];
    const rows = Object.values(item.rowsRestored ?? {}).reduce((sum, n) => sum + n, 0);
    console.error(`restore ${operation.id} completed: ${rows} rows; to roll back, restore the pre-restore snapshot ${item.preRestoreBackupId}`);
  } finally {
    bar.stop();
    await app.close();
  }
}
