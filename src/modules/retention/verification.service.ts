import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { BackupRecord, BackupStatus, BackupType, VerificationStatus } from '../backups';
import { BackupVerifier, CopyVerification } from './backup-verifier.service';

/** Backups with copies in buckets: customer exports are local-only downloads, not verified here. */
const VERIFIED_TYPES = [BackupType.TENANT, BackupType.PRE_RESTORE, BackupType.DISASTER];
/** Backups downloaded at once: enough to overlap latency, few enough not to saturate the link or the providers. */
const CONCURRENCY = 4;

export interface BackupVerificationResult {
  backupId: string;
  type: BackupType;
  tenantId?: string;
  verificationStatus: VerificationStatus;
  results: CopyVerification[];
  error?: string;
}

export interface RecentVerification {
  since: Date;
  total: number;
  verified: number;
  failed: number;
  backups: BackupVerificationResult[];
}

/** Verification of every recent backup (tenant, pre-restore and disaster): on request and by the weekly cron. */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger(VerificationService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly verifier: BackupVerifier,
  ) {}

  async verifyRecent(days: number): Promise<RecentVerification> {
    const since = new Date(Date.now() - days * 86_400_000);
    const records = await this.em.fork().find(BackupRecord, { type: { $in: VERIFIED_TYPES }, status: BackupStatus.COMPLETED, completedAt: { $gte: since } }, { orderBy: { completedAt: 'desc', id: 'desc' } });
    const backups: BackupVerificationResult[] = new Array(records.length);
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const index = next++;
        backups[index] = await this.verifyOne(records[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, records.length) }, worker));
    const failed = backups.filter((b) => b.verificationStatus === VerificationStatus.FAILED).length;
    const verified = backups.filter((b) => b.verificationStatus === VerificationStatus.VERIFIED).length;
    this.logger.log(`verified ${records.length} backups completed since ${since.toISOString()}: ${verified} verified, ${failed} failed`);
    return { since, total: records.length, verified, failed, backups };
  }

  /** Completed backups of the last `days` days with their copies' verification state, newest first. */
  async state(days: number, limit: number, offset: number): Promise<{ since: Date; counts: Record<VerificationStatus, number>; page: [BackupRecord[], number] }> {
    const since = new Date(Date.now() - days * 86_400_000);
    const where = { type: { $in: VERIFIED_TYPES }, status: BackupStatus.COMPLETED, completedAt: { $gte: since } };
    const em = this.em.fork();
    const page = await em.findAndCount(BackupRecord, where, { populate: ['locations'], orderBy: { completedAt: 'desc', id: 'desc' }, limit, offset });
    const statuses = Object.values(VerificationStatus);
    const counted = await Promise.all(statuses.map((verificationStatus) => em.fork().count(BackupRecord, { ...where, verificationStatus })));
    const counts = Object.fromEntries(statuses.map((s, i) => [s, counted[i]])) as Record<VerificationStatus, number>;
    return { since, counts, page };
  }

  /** One backup's failure (e.g. deleted meanwhile by retention) is reported, not fatal to the run. */
  private async verifyOne(record: BackupRecord): Promise<BackupVerificationResult> {
    const base = { backupId: record.id, type: record.type, tenantId: record.tenantId };
    try {
      const { record: checked, results } = await this.verifier.verify(record.id);
      return { ...base, verificationStatus: checked.verificationStatus, results };
    } catch (error) {
      return { ...base, verificationStatus: VerificationStatus.FAILED, results: [], error: (error as Error).message };
    }
  }
}
