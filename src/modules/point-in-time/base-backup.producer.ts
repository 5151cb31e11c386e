import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Queue, UnrecoverableError } from 'bullmq';
import { Transform, TransformCallback } from 'node:stream';
import { Client } from 'pg';
import { sealStream } from '../../../libs/archive/sealed-archive';
import { KeyRing } from '../../../libs/crypto';
import { locatePgBasebackup, pgBaseBackupStream, PitrError } from '../../../libs/pitr';
import { CONFIG_URL_PARAMS, parsePgUrl, pgClientConfig } from '../../../libs/pg-tools';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupProducer, BackupProducers, BackupRecord, BackupType, ProgressReporter, SealedBackup } from '../backups';
import { PlatformDatabase } from '../platform';
import { BaseBackupRange } from './base-backup-range.entity';
import { baseBackupJobId, PointInTimeQueue } from './point-in-time.jobs';

interface ClusterFacts {
  serverVersion: string;
  major: number;
  walSegmentSize: number;
  systemIdentifier: string;
  clusterBytes: number;
}

/**
 * BASE backups: `pg_basebackup -Ft -D - -X none` of the platform cluster → gzip → encrypt (platform key), streamed to
 * every provider by the Backups store step. The WAL it needs comes from the archive (`wal push`), so archive_mode must
 * be on; the server answers only once that WAL is archived. The backup's WAL range (read from backup_label and the
 * manifest as the tar streams past) is kept in `base_backup_ranges` and, once the backup is stored, beside it.
 */
@Injectable()
export class BaseBackupProducer implements BackupProducer, OnModuleInit {
  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly platform: PlatformDatabase,
    private readonly producers: BackupProducers,
    @InjectQueue(PointInTimeQueue.BASE_BACKUPS) private readonly queue: Queue,
  ) {}

  onModuleInit(): void {
    this.producers.register(BackupType.BASE, this, { queue: this.queue, jobId: baseBackupJobId });
  }

  async produce(record: BackupRecord, onProgress: ProgressReporter): Promise<SealedBackup> {
    const source = parsePgUrl(this.platform.connectionString, CONFIG_URL_PARAMS);
    const facts = await this.inspect(source);
    let tool: string;
    try {
      tool = await locatePgBasebackup(facts.major, this.config.pointInTime.pgBinDir);
    } catch (error) {
      throw new UnrecoverableError((error as Error).message);
    }
    const base = pgBaseBackupStream(tool, source, { label: `tenantvault base ${record.id}`, fastCheckpoint: this.config.pointInTime.baseBackupCheckpoint === 'fast' });
    let read = 0;
    let reported = 0;
    // The cluster's size on disk is the yardstick; below 100 until the store step completes the record.
    const meter = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
        read += chunk.length;
        const percent = Math.min(95, Math.floor((read / Math.max(facts.clusterBytes, 1)) * 95));
        if (percent > reported) void Promise.resolve(onProgress((reported = percent))).catch(() => undefined);
        callback(null, chunk);
      },
    });
    base.stream.once('error', (error) => meter.destroy(error));
    const sealed = sealStream(base.stream.pipe(meter), this.keyRing, { kind: 'platform' }, { gzipLevel: this.config.backup.gzipLevel, compressionThreads: this.config.compressionThreads });
    const details = base.range.then(async (range) => {
      await this.em.fork().upsert(BaseBackupRange, BaseBackupRange.of(record.id, { ...range, walSegmentSize: facts.walSegmentSize, serverVersion: facts.serverVersion, systemIdentifier: facts.systemIdentifier }));
      return { rowCounts: {} };
    });
    details.catch(() => undefined);
    return {
      stream: sealed.stream,
      stats: sealed.stats,
      details,
      compression: sealed.compression,
      keyId: this.keyRing.activeKeyId,
      close: async () => {
        base.stream.destroy();
      },
    };
  }

  /** What is known before the first byte; what a retry cannot fix (archiving off, no privilege) fails for good. */
  private async inspect(source: ReturnType<typeof parsePgUrl>): Promise<ClusterFacts> {
    const client = new Client(pgClientConfig(source, { connectionTimeoutMillis: 10_000, application_name: 'tenantvault-base-backup' }));
    client.on('error', () => undefined);
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; num: string; seg: string; sysid: string; archive_mode: string; replication: boolean; bytes: string }>(
        `select current_setting('server_version') as version, current_setting('server_version_num') as num,
                pg_size_bytes(current_setting('wal_segment_size')) as seg, (select system_identifier::text from pg_control_system()) as sysid,
                current_setting('archive_mode') as archive_mode, (select rolreplication or rolsuper from pg_roles where rolname = current_user) as replication,
                (select sum(pg_database_size(oid)) from pg_database)::text as bytes`,
      );
      const facts = rows[0];
      if (facts.archive_mode === 'off') throw new UnrecoverableError('archive_mode is off on the platform server: a base backup is useless without the WAL archive (docs/PITR.md: archive_mode, archive_command = tenantvault wal push %p)');
      if (!facts.replication) throw new UnrecoverableError(`the platform user ${source.user ?? ''} lacks the REPLICATION attribute pg_basebackup needs (ALTER ROLE ... REPLICATION; docs/PITR.md)`);
      return { serverVersion: facts.version, major: Math.floor(Number(facts.num) / 10_000), walSegmentSize: Number(facts.seg), systemIdentifier: facts.sysid, clusterBytes: Number(facts.bytes) };
    } catch (error) {
      if (error instanceof UnrecoverableError || error instanceof PitrError) throw error;
      throw new Error(`the platform server could not be inspected: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
