import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { createArchiveStream } from '../../../libs/archive';
import { sealStream } from '../../../libs/archive/sealed-archive';
import { KeyRing } from '../../../libs/crypto';
import { tenantArchiveInput } from '../../../libs/tenant-data';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { PlatformDatabase } from '../platform';
import { BackupProducer, BackupProducers, ProgressReporter, SealedBackup } from './backup-producer';
import { BackupRecord } from './backup.entity';
import { BackupType } from './backup.types';
import { backupJobId, QueueName } from './backups.jobs';

/** TENANT and PRE_RESTORE backups: one-snapshot export → tar → gzip → encrypt with the tenant's key. */
@Injectable()
export class TenantBackupProducer implements BackupProducer, OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly platform: PlatformDatabase,
    private readonly producers: BackupProducers,
    @InjectQueue(QueueName.BACKUPS) private readonly queue: Queue,
  ) {}

  onModuleInit(): void {
    this.producers.register(BackupType.TENANT, this, { queue: this.queue, jobId: backupJobId });
    this.producers.register(BackupType.PRE_RESTORE, this);
  }

  async produce(record: BackupRecord, onProgress: ProgressReporter): Promise<SealedBackup> {
    const tenantId = record.tenantId!;
    const source = await this.platform.openTenantExport(tenantId);
    const input = tenantArchiveInput(source, tenantId, record.id, record.createdAt);
    const total = input.manifest.tables.length;
    async function* tables() {
      let done = 0;
      for await (const table of input.tables()) {
        yield table;
        done += 1;
        await onProgress(Math.min(95, Math.floor((done / Math.max(total, 1)) * 95)));
      }
    }
    const archive = createArchiveStream(input.manifest, tables());
    const sealed = sealStream(archive.stream, this.keyRing, { kind: 'tenant', tenantId }, { gzipLevel: this.config.backup.gzipLevel, compressionThreads: this.config.compressionThreads });
    return {
      stream: sealed.stream,
      stats: sealed.stats,
      details: archive.summary.then((summary) => ({ rowCounts: Object.fromEntries(Object.entries(summary.tables).map(([name, t]) => [name, t.rows])) })),
      compression: sealed.compression,
      keyId: this.keyRing.activeKeyId,
      close: () => source.close(),
    };
  }
}
