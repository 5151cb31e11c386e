import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Queue, UnrecoverableError } from 'bullmq';
import { sealStream } from '../../../libs/archive/sealed-archive';
import { createCustomerExport } from '../../../libs/customer-export';
import { KeyRing } from '../../../libs/crypto';
import { TenantDataError } from '../../../libs/tenant-data';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupProducer, BackupProducers, BackupRecord, BackupType, ProgressReporter, SealedBackup } from '../backups';
import { PlatformDatabase } from '../platform';
import { customerExportJobId, CustomerExportQueue } from './customer-self-backup.jobs';

/** What no retry can change: the tenant is gone, or the tenancy settings do not fit the platform database. */
const PERMANENT = new Set(['TENANT.NOT_FOUND', 'TENANT.INVALID_ID', 'TENANT.CONFIG_INVALID']);

/**
 * CUSTOMER backups: the tenant's zip of CSVs (libs/customer-export) sealed with the tenant's key, without compression
 * (the zip is deflated already, and an uncompressed envelope lets a download decrypt any range). One table at a time
 * from COPY into the zip: memory does not grow with the tenant.
 */
@Injectable()
export class CustomerExportProducer implements BackupProducer, OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly platform: PlatformDatabase,
    private readonly producers: BackupProducers,
    @InjectQueue(CustomerExportQueue.EXPORTS) private readonly queue: Queue,
  ) {}

  onModuleInit(): void {
    this.producers.register(BackupType.CUSTOMER, this, { queue: this.queue, jobId: customerExportJobId });
  }

  async produce(record: BackupRecord, onProgress: ProgressReporter): Promise<SealedBackup> {
    const tenantId = record.tenantId!;
    let reported = -1;
    const exported = await createCustomerExport({
      connectionString: this.platform.connectionString,
      tenancy: this.config.tenancy,
      tenantId,
      createdAt: record.createdAt,
      // Tables are the yardstick; 100 is the store step's, once the file is stored.
      onProgress: (done, total) => {
        const percent = Math.min(95, Math.floor((done / Math.max(total, 1)) * 95));
        if (percent > reported) void Promise.resolve(onProgress((reported = percent))).catch(() => undefined);
      },
    }).catch((error: unknown) => {
      if (error instanceof TenantDataError && PERMANENT.has(error.code)) throw new UnrecoverableError(error.message);
      throw error;
    });
    // The zip's entries are deflated already: sealed without compression, so a download can decrypt any range.
    const sealed = sealStream(exported.stream, this.keyRing, { kind: 'tenant', tenantId }, { compression: 'none' });
    return {
      stream: sealed.stream,
      stats: sealed.stats,
      details: exported.result.then((manifest) => ({ rowCounts: Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows])) })),
      compression: sealed.compression,
      keyId: this.keyRing.activeKeyId,
      // Ends the COPY and its snapshot if the store step gave up before the end.
      close: async () => void exported.stream.destroy(),
    };
  }
}
