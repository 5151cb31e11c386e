import { rm } from 'node:fs/promises';
import {
  ArchivedFile,
  ArchiveView,
  chooseBase,
  coverageOf,
  historyFilesNeeded,
  listArchivedWal,
  PitrError,
  readArchivedText,
  readWalSidecar,
  recoverToTime,
  RecoveryBase,
  RecoveryChoice,
  RecoveryOutcome,
  RecoveryPhase,
  serverUser,
} from '../../../libs/pitr';
import type { KeyRing } from '../../../libs/crypto';
import type { ProviderName, StoragePort } from '../../../libs/storage/storage.port';
import type { AppConfig } from '../../config';
import { restoreCommand, serverEnvironment, walCommandEnvironment, writeEnvFile } from './wal-environment';

/** What each provider holds of the WAL archive, and the union of it: files at one provider at least. */
export interface ArchiveListing {
  union: Map<string, ArchivedFile>;
  byProvider: Map<ProviderName, Set<string>>;
  unreachable: { provider: ProviderName; reason: string }[];
}

/** Lists `wal/` at every provider; a provider that cannot be listed is reported, the others still count. */
export async function listArchive(adapters: StoragePort[]): Promise<ArchiveListing> {
  const listing: ArchiveListing = { union: new Map(), byProvider: new Map(), unreachable: [] };
  const results = await Promise.allSettled(adapters.map((adapter) => listArchivedWal(adapter)));
  results.forEach((result, i) => {
    const provider = adapters[i].name;
    if (result.status === 'rejected') return listing.unreachable.push({ provider, reason: (result.reason as Error).message });
    listing.byProvider.set(provider, new Set(result.value.keys()));
    for (const name of result.value.keys()) listing.union.set(name, {});
  });
  if (listing.byProvider.size === 0) throw new PitrError('PITR.WAL_UNAVAILABLE', `no provider could list the WAL archive: ${listing.unreachable.map((u) => `${u.provider}: ${u.reason}`).join('; ')}`);
  return listing;
}

/**
 * The archive as the buckets hold it, for `bases`: every archived file, the newest timeline's history, and when the
 * segment each base backup's chain reaches was closed (read from its sidecar: the end of what recovery can reach).
 */
export async function viewOfBuckets(bases: RecoveryBase[], adapters: StoragePort[], ring: KeyRing, listing?: ArchiveListing): Promise<ArchiveView> {
  const archived = (listing ?? (await listArchive(adapters))).union;
  const histories = new Map<number, string>();
  for (const name of historyFilesNeeded(archived)) histories.set(Number.parseInt(name.slice(0, 8), 16), await readArchivedText(name, adapters, ring));
  const ends = new Set(coverageOf({ bases, archived, histories }).map((c) => c.walk.lastContiguous).filter((n): n is string => n !== null));
  for (const name of ends) {
    for (const adapter of adapters) {
      const sidecar = await readWalSidecar(adapter, name).catch(() => null);
      if (sidecar) {
        archived.set(name, { closedAt: new Date(sidecar.modifiedAt) });
        break;
      }
    }
  }
  return { bases, archived, histories };
}

export interface PlatformRecoveryInput {
  config: AppConfig;
  /** The configured providers, primary first: the base backup from the first that holds it, WAL from any. */
  adapters: StoragePort[];
  ring: KeyRing;
  bases: RecoveryBase[];
  targetTime: Date;
  dataDir: string;
  port: number;
  osUser: string;
  /** `promote` for a recovered platform, `pause` for a scratch copy to read from. */
  action: 'promote' | 'pause';
  keepArchiving: boolean;
  logFile: string;
  /** Where restore_command's environment is written for the time of the recovery (removed afterwards). */
  envFile: string;
  scratch?: { socketDir: string; user?: string; database: string };
  onProgress?: (phase: RecoveryPhase, percent: number) => void | Promise<void>;
  /** Called once the base backup is chosen, before anything is written. */
  onPlanned?: (choice: RecoveryChoice) => void | Promise<void>;
}

/**
 * The platform cluster recovered to a time into a new data directory: one plain function shared by the API's worker,
 * the tenant restore's scratch cluster and the CLI (`dr restore --target-time`). The base backup is chosen from what
 * the buckets hold (PITR.NOT_COVERED names the covered range otherwise), restore_command calls the CLI's `wal fetch`,
 * and the server is started as its OS user and watched until it reaches the target.
 */
export async function recoverPlatform(input: PlatformRecoveryInput): Promise<{ choice: RecoveryChoice; outcome: RecoveryOutcome }> {
  const view = await viewOfBuckets(input.bases, input.adapters, input.ring);
  const choice = chooseBase(coverageOf(view), input.targetTime);
  await input.onPlanned?.(choice);
  const owner = await serverUser(input.osUser);
  await writeEnvFile(input.envFile, walCommandEnvironment(input.config), owner);
  try {
    const outcome = await recoverToTime({
      choice,
      targetTime: input.targetTime,
      adapters: input.adapters,
      ring: input.ring,
      dataDir: input.dataDir,
      logFile: input.logFile,
      owner,
      binDir: input.config.pointInTime.pgBinDir,
      settings: { restoreCommand: restoreCommand(input.config, input.envFile), action: input.action, port: input.port, keepArchiving: input.keepArchiving, scratchSocketDir: input.scratch?.socketDir },
      serverEnv: serverEnvironment(),
      probe: input.scratch,
      timeoutMs: input.config.pointInTime.recoveryTimeoutSeconds * 1000,
      onProgress: input.onProgress,
    });
    return { choice, outcome };
  } finally {
    // Recovery is over (paused at the target, or promoted): the secret it needed leaves the machine's disk.
    await rm(input.envFile, { force: true });
  }
}
