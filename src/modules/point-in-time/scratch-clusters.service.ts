import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyRing } from '../../../libs/crypto';
import { claimScratch, freePort, ownedDirectory, removeScratch, RecoveryPhase, serverUser, sweepScratchClusters } from '../../../libs/pitr';
import { CONFIG_URL_PARAMS, parsePgUrl } from '../../../libs/pg-tools';
import { isUuid } from '../../../libs/storage';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformDatabase } from '../platform';
import { StorageService } from '../storage';
import { recoverPlatform } from './recovery-pipeline';
import { WalArchiveService } from './wal-archive.service';

/** Scratch clusters are named `<prefix><restore id>`: the sweep recognises them, and nothing else, by it. */
export const SCRATCH_PREFIX = 'tv-pitr-';

export interface RecoveredPlatform {
  /** Connects as the platform's user through the scratch cluster's private socket. */
  connectionString: string;
  baseBackupId: string;
  reachedBy: 'target' | 'end-of-archive';
}

/**
 * The platform as it was at a time, in a scratch cluster on this machine, for as long as a callback needs it: a data
 * directory under PITR_SCRATCH_DIR owned by PITR_OS_USER, a server paused read-only at the target, reachable only
 * through a Unix socket in its own private directory (no TCP listener: no other local user can read the copy). It is
 * stopped and deleted whatever happens; a process killed meanwhile leaves it to the sweep, which runs at start-up.
 */
@Injectable()
export class ScratchClusters implements OnApplicationBootstrap {
  private readonly logger = new Logger(ScratchClusters.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly storage: StorageService,
    private readonly archive: WalArchiveService,
    private readonly platform: PlatformDatabase,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep().catch((error: Error) => this.logger.error(`scratch cluster sweep failed: ${error.message}`));
  }

  /** Stops and deletes the scratch clusters whose owning process is gone. */
  async sweep(): Promise<string[]> {
    const removed = await sweepScratchClusters(this.config.pointInTime.scratchDir, SCRATCH_PREFIX);
    for (const dir of removed) this.logger.warn(`scratch cluster ${dir} left by a stopped process: stopped and removed`);
    return removed;
  }

  async withPlatformAt<T>(targetTime: Date, restoreId: string, onProgress: (phase: RecoveryPhase, percent: number) => void | Promise<void>, use: (platform: RecoveredPlatform) => Promise<T>): Promise<T> {
    if (!isUuid(restoreId)) throw new Error('a scratch cluster is named after a restore id');
    const root = this.config.pointInTime.scratchDir;
    const dir = join(root, `${SCRATCH_PREFIX}${restoreId.toLowerCase()}`);
    const port = await freePort();
    const source = parsePgUrl(this.platform.connectionString, CONFIG_URL_PARAMS);
    const owner = await serverUser(this.config.pointInTime.osUser);
    // Others may pass through the root (the server's user must reach its directory) but not list it.
    await mkdir(root, { recursive: true, mode: 0o711 });
    await chmod(root, 0o711).catch(() => undefined);
    try {
      await ownedDirectory(dir, owner);
      const socketDir = await claimScratch(dir, `tenant point-in-time restore ${restoreId}`, port, owner);
      const { choice, outcome } = await recoverPlatform({
        config: this.config,
        adapters: this.storage.providers,
        ring: this.keyRing,
        bases: await this.archive.bases(),
        targetTime,
        dataDir: join(dir, 'data'),
        port,
        osUser: this.config.pointInTime.osUser,
        action: 'pause',
        keepArchiving: false,
        logFile: join(dir, 'server.log'),
        envFile: join(dir, 'wal.env'),
        scratch: { socketDir, user: source.user, database: source.database },
        onProgress,
      });
      const user = source.user ? `${encodeURIComponent(source.user)}@` : '';
      const connectionString = `postgresql://${user}/${encodeURIComponent(source.database)}?host=${encodeURIComponent(socketDir)}&port=${port}`;
      return await use({ connectionString, baseBackupId: choice.base.id, reachedBy: outcome.reachedBy });
    } finally {
      await removeScratch(dir).catch((error: Error) => this.logger.error(`scratch cluster ${dir} could not be removed: ${error.message}`));
    }
  }
}
