import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, normalize, resolve } from 'node:path';
import { KeyRing } from '../../../libs/crypto';
import { freePort } from '../../../libs/pitr';
import { addJob } from '../../common/queueing';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { StorageService } from '../storage';
import { InvalidDataDirError, NotRecoverableError, PlatformRecoveryNotFoundError } from './point-in-time.errors';
import { PointInTimeJob, PointInTimeQueue, platformRecoveryJobId, RecoverPlatformPayload } from './point-in-time.jobs';
import { PlatformRecovery, PlatformRecoveryStatus } from './platform-recovery.entity';
import { recoverPlatform } from './recovery-pipeline';
import { WalArchiveService } from './wal-archive.service';

export interface PlatformRecoveryRequest {
  targetTime: Date;
  dataDir: string;
  port?: number;
  keepArchiving: boolean;
}

/**
 * Platform recoveries to a time (POST /restore/disaster/pitr): checked at once (a target outside the archive's range
 * and an unusable directory answer 400), run by a worker, one at a time, never retried blindly. The recovered server
 * is left running (promoted) for the operator; its log is `<dataDir>.recovery.log`.
 */
@Injectable()
export class PlatformRecoveriesService {
  private readonly logger = new Logger(PlatformRecoveriesService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly storage: StorageService,
    private readonly archive: WalArchiveService,
    @InjectQueue(PointInTimeQueue.RECOVERIES) private readonly queue: Queue<RecoverPlatformPayload>,
  ) {}

  async request(input: PlatformRecoveryRequest, initiatedBy: string): Promise<PlatformRecovery> {
    if (input.targetTime.getTime() > Date.now()) throw new NotRecoverableError(`targetTime ${input.targetTime.toISOString()} is in the future`);
    const dataDir = await this.checkDataDir(input.dataDir);
    await this.archive.assertRecoverable(input.targetTime);
    const recovery = PlatformRecovery.create({ targetTime: input.targetTime, dataDir, port: input.port ?? (await freePort()), keepArchiving: input.keepArchiving, initiatedBy });
    await this.em.fork().persistAndFlush(recovery);
    try {
      await addJob(this.queue, PointInTimeJob.RECOVER_PLATFORM, { recoveryId: recovery.id }, { jobId: platformRecoveryJobId(recovery.id), attempts: 1 });
    } catch (error) {
      await this.em.fork().nativeDelete(PlatformRecovery, { id: recovery.id }).catch(() => undefined);
      throw error;
    }
    return recovery;
  }

  async get(id: string): Promise<PlatformRecovery> {
    const recovery = await this.em.fork().findOne(PlatformRecovery, { id });
    if (!recovery) throw new PlatformRecoveryNotFoundError(id);
    return recovery;
  }

  list(limit: number, offset: number): Promise<[PlatformRecovery[], number]> {
    return this.em.fork().findAndCount(PlatformRecovery, {}, { orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset });
  }

  /** The worker's side. The server is left running, promoted, at the target. */
  async run(id: string): Promise<PlatformRecovery> {
    const em = this.em.fork();
    const recovery = await em.findOne(PlatformRecovery, { id });
    if (!recovery) throw new PlatformRecoveryNotFoundError(id);
    if (recovery.isFinished) return recovery;
    if (recovery.status === PlatformRecoveryStatus.IN_PROGRESS) {
      recovery.fail('interrupted: the worker stopped during the recovery; recover again into an empty directory');
      await em.flush();
      return recovery;
    }
    recovery.start();
    await em.flush();
    const logFile = `${recovery.dataDir}.recovery.log`;
    try {
      const { choice, outcome } = await recoverPlatform({
        config: this.config,
        adapters: this.storage.providers,
        ring: this.keyRing,
        bases: await this.archive.bases(),
        targetTime: recovery.targetTime,
        dataDir: recovery.dataDir,
        port: recovery.port,
        osUser: this.config.pointInTime.osUser,
        action: 'promote',
        keepArchiving: recovery.keepArchiving,
        logFile,
        envFile: join(dirname(recovery.dataDir), `.${basename(recovery.dataDir)}.tenantvault-wal.env`),
        onPlanned: (c) => em.nativeUpdate(PlatformRecovery, { id }, { baseBackupId: c.base.id }).then(() => undefined),
        onProgress: (phase, progress) => em.nativeUpdate(PlatformRecovery, { id }, { phase, progress: Math.min(99, progress), heartbeatAt: new Date() }).then(() => undefined),
      });
      recovery.complete(choice.base.id, outcome.reachedBy);
      this.logger.log(`platform recovered to ${recovery.targetTime.toISOString()} in ${recovery.dataDir} (port ${recovery.port}, from base backup ${choice.base.id}, ${outcome.reachedBy})`);
    } catch (error) {
      recovery.fail((error as Error).message);
      this.logger.error(`platform recovery ${id} failed: ${(error as Error).message}`);
      // What this recovery wrote goes; the directory itself (the operator's) and the server log stay.
      for (const name of await readdir(recovery.dataDir).catch(() => [] as string[])) await rm(join(recovery.dataDir, name), { recursive: true, force: true });
    }
    await em.flush();
    return recovery;
  }

  /** Recoveries whose worker stopped beating are failed; their server, if any, was stopped with the worker's process group. */
  async sweep(now = new Date()): Promise<number> {
    const stale = new Date(now.getTime() - this.config.queues.stallLimitMs);
    return this.em.fork().nativeUpdate(
      PlatformRecovery,
      { status: PlatformRecoveryStatus.IN_PROGRESS, heartbeatAt: { $lt: stale } },
      { status: PlatformRecoveryStatus.FAILED, errorMessage: 'interrupted: its worker stopped; recover again into an empty directory', completedAt: now },
    );
  }

  /** An absolute path, new or empty, whose parent exists, and not inside TenantVault's own directories. */
  private async checkDataDir(path: string): Promise<string> {
    const dir = resolve(normalize(path));
    if (dir !== path.replace(/\/$/, '') || dir === '/') throw new InvalidDataDirError('dataDir must be an absolute, normalised path');
    for (const own of [this.config.storage.localPath, this.config.pointInTime.scratchDir, this.config.dataDir].map((p) => resolve(p))) {
      if (dir === own || dir.startsWith(`${own}/`) || own.startsWith(`${dir}/`)) throw new InvalidDataDirError(`dataDir must not overlap TenantVault's own directory ${own}`);
    }
    const parent = await stat(dirname(dir)).catch(() => null);
    if (!parent?.isDirectory()) throw new InvalidDataDirError(`dataDir: the parent directory ${dirname(dir)} does not exist`);
    const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : null));
    if (entries === null) throw new InvalidDataDirError(`dataDir ${dir} is not a directory that can be used`);
    if (entries.length > 0) throw new InvalidDataDirError(`dataDir ${dir} is not empty: give a new or empty directory`);
    return dir;
  }
}
