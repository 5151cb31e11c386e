import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Queue, UnrecoverableError } from 'bullmq';
import { ArchiveError, DEFAULT_PART_SIZE } from '../../../libs/archive';
import { createDisasterArchiveStream } from '../../../libs/archive/disaster-archive';
import { readConfigBundle } from '../../../libs/archive/disaster-config-bundle';
import { DISASTER_FORMAT_VERSION, DisasterManifest } from '../../../libs/archive/disaster-manifest';
import { sealStream } from '../../../libs/archive/sealed-archive';
import { KeyRing } from '../../../libs/crypto';
import { CONFIG_URL_PARAMS, countRowsInSnapshot, inspectSource, locatePgTool, parsePgUrl, pgDumpStream, PostgresToolError } from '../../../libs/pg-tools';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupProducer, BackupProducers, BackupRecord, BackupType, ProgressReporter, SealedBackup } from '../backups';
import { PlatformDatabase } from '../platform';
import { deploymentInfo } from './deployment-info';
import { disasterBackupJobId, DisasterQueue } from './disaster-recovery.jobs';

/**
 * DISASTER backups: pg_dump -Fc of the whole platform database + configuration bundle + versions, as one tar → gzip →
 * encrypt (platform key). Nothing is written to local disk and memory holds one dump part.
 */
@Injectable()
export class DisasterBackupProducer implements BackupProducer, OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly platform: PlatformDatabase,
    private readonly producers: BackupProducers,
    @InjectQueue(DisasterQueue.BACKUPS) private readonly queue: Queue,
  ) {}

  onModuleInit(): void {
    this.producers.register(BackupType.DISASTER, this, { queue: this.queue, jobId: disasterBackupJobId });
  }

  async produce(record: BackupRecord, onProgress: ProgressReporter): Promise<SealedBackup> {
    const source = parsePgUrl(this.platform.connectionString, CONFIG_URL_PARAMS);
    const { manifest, configData, pgDump, tableBytes } = await this.prepare(record, source);
    // The rows of every table in the snapshot the dump then reads: the source's counts at backup time, kept on the
    // record (and its sidecar) for test restores to compare with.
    const counted = await countRowsInSnapshot(source);
    let reported = 0;
    const dump = pgDumpStream(pgDump, source, { snapshot: counted.snapshot });
    let archive: ReturnType<typeof createDisasterArchiveStream>;
    try {
      archive = createDisasterArchiveStream({
        manifest,
        configData,
        dump,
        // The dump's size is unknown in advance: table sizes are the yardstick, capped below 100 until it is stored.
        onDumpBytes: (bytes) => {
          const percent = Math.min(95, Math.floor((bytes / Math.max(tableBytes, 1)) * 95));
          if (percent > reported) void Promise.resolve(onProgress((reported = percent))).catch(() => undefined);
        },
      });
    } catch (error) {
      dump.destroy();
      await counted.close();
      throw error;
    }
    const sealed = sealStream(archive.stream, this.keyRing, { kind: 'platform' }, { gzipLevel: this.config.backup.gzipLevel, compressionThreads: this.config.compressionThreads });
    return {
      stream: sealed.stream,
      stats: sealed.stats,
      details: archive.summary.then(() => ({ rowCounts: counted.rowCounts })),
      compression: sealed.compression,
      keyId: this.keyRing.activeKeyId,
      close: async () => {
        dump.destroy();
        await counted.close();
      },
    };
  }

  /** Everything known before the first byte of the dump. Problems a retry cannot fix become UnrecoverableError. */
  private async prepare(record: BackupRecord, source: ReturnType<typeof parsePgUrl>) {
    try {
      const info = await inspectSource(source);
      const pgDump = await locatePgTool('pg_dump', info.serverMajor);
      const bundle = await readConfigBundle(this.config.disasterConfigPaths);
      const manifest: DisasterManifest = {
        formatVersion: DISASTER_FORMAT_VERSION,
        kind: 'disaster',
        backupId: record.id,
        createdAt: record.createdAt.toISOString(),
        tenantvault: await deploymentInfo(this.config.gitCommit),
        source: { database: info.database, serverVersion: info.serverVersion, serverVersionNum: info.serverVersionNum },
        dump: { tool: 'pg_dump', version: pgDump.version, format: 'custom', compression: 'none', partSize: DEFAULT_PART_SIZE },
        configFiles: bundle.files,
      };
      return { manifest, configData: bundle.data, pgDump, tableBytes: info.tableBytes };
    } catch (error) {
      if ((error instanceof PostgresToolError && !error.retryable) || error instanceof ArchiveError) throw new UnrecoverableError((error as Error).message);
      throw error;
    }
  }
}
