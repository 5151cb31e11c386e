import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { ArchiveError } from '../../../libs/archive';
import { createDisasterArchiveStream } from '../../../libs/archive/disaster-archive';
import { readConfigBundle } from '../../../libs/archive/disaster-config-bundle';
import { DISASTER_FORMAT_VERSION, DisasterManifest } from '../../../libs/archive/disaster-manifest';
import { sealStream } from '../../../libs/archive/sealed-archive';
import { DEFAULT_PART_SIZE } from '../../../libs/archive';
import { KeyRing } from '../../../libs/crypto';
import { putToAll } from '../../../libs/storage';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformDatabase } from '../platform/platform-database.service';
import { StorageService } from '../storage/storage.service';
import { BackupRunner, ProgressReporter } from '../backups/backup-runner.service';
import { BackupRecord } from '../backups/backup.entity';
import { BackupType } from '../backups/backup.types';
import { NoCopyStoredError } from '../backups/backups.errors';
import { deploymentInfo } from './deployment-info';
import { PostgresToolError } from './disaster-recovery.errors';
import { inspectSource } from './postgres-inspection';
import { locatePgTool, pgDumpStream } from './postgres-tools';

/**
 * Runs one disaster backup: pg_dump -Fc of the whole platform database + configuration bundle + versions, as one tar
 * → gzip → encrypt (platform key) → sha256 → every provider at once, then the sidecars and the catalog record.
 * Nothing is written to local disk and memory holds one dump part. Retries are the caller's business.
 */
@Injectable()
export class DisasterBackupRunner {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly platform: PlatformDatabase,
    private readonly storage: StorageService,
    private readonly backups: BackupRunner,
  ) {}

  async execute(em: EntityManager, record: BackupRecord, onProgress: ProgressReporter = () => undefined): Promise<void> {
    record.start();
    await em.flush();
    const url = this.platform.connectionString;
    const key = record.locations.getItems()[0].key;
    const targets = record.locations.getItems().map((l) => this.storage.byName(l.provider)).filter((a) => a !== undefined);

    const { manifest, configData, pgDump, tableBytes } = await this.prepare(record, url);
    let reported = 0;
    const archive = createDisasterArchiveStream({
      manifest,
      configData,
      dump: pgDumpStream(pgDump, url),
      // The dump's size is unknown in advance: table sizes are the yardstick, capped below 100 until it is stored.
      onDumpBytes: (bytes) => {
        const percent = Math.min(95, Math.floor((bytes / Math.max(tableBytes, 1)) * 95));
        if (percent > reported) void Promise.resolve(onProgress((reported = percent))).catch(() => undefined);
      },
    });
    const sealed = sealStream(archive.stream, this.keyRing, { kind: 'platform' }, { gzipLevel: this.config.backup.gzipLevel });
    const results = await putToAll(targets, key, sealed.stream);
    await archive.summary;

    for (const result of results) {
      const location = record.location(result.provider)!;
      if (result.ok) location.stored(result.size);
      else location.failed(result.error.message);
    }
    if (!results.some((r) => r.ok)) throw new NoCopyStoredError(`no provider stored disaster backup ${record.id}: ${results.map((r) => (r.ok ? '' : `${r.provider}: ${r.error.message}`)).join('; ')}`);

    // A dump has no per-table row counts to report; the manifest inside holds what was dumped.
    record.complete({ ...sealed.stats(), rowCounts: {}, keyId: this.keyRing.activeKeyId }, this.backups.retentionDays(BackupType.DISASTER));
    await this.backups.writeSidecars(record, key);
    await em.flush();
    await this.backups.scheduleReplication(record);
  }

  /** Everything known before the first byte of the dump. Problems a retry cannot fix become UnrecoverableError. */
  private async prepare(record: BackupRecord, url: string) {
    try {
      const source = await inspectSource(url);
      const pgDump = await locatePgTool('pg_dump', source.serverMajor);
      const bundle = await readConfigBundle(this.config.disasterConfigPaths);
      const manifest: DisasterManifest = {
        formatVersion: DISASTER_FORMAT_VERSION,
        kind: 'disaster',
        backupId: record.id,
        createdAt: record.createdAt.toISOString(),
        tenantvault: await deploymentInfo(this.config.gitCommit),
        source: { database: source.database, serverVersion: source.serverVersion, serverVersionNum: source.serverVersionNum },
        dump: { tool: 'pg_dump', version: pgDump.version, format: 'custom', compression: 'none', partSize: DEFAULT_PART_SIZE },
        configFiles: bundle.files,
      };
      return { manifest, configData: bundle.data, pgDump, tableBytes: source.tableBytes };
    } catch (error) {
      if ((error instanceof PostgresToolError && !error.retryable) || error instanceof ArchiveError) throw new UnrecoverableError((error as Error).message);
      throw error;
    }
  }
}
