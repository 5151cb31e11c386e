import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { RetentionPolicy, validateRetentionPolicy } from '../../../libs/retention';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupExpiryPolicy, BackupType } from '../backups';
import { RETAINED_TYPES, RetainedType, RetentionPolicyVersion } from './retention-policy.entity';
import { InvalidPolicyError, UnretainedTypeError } from './retention.errors';

const DAY_MS = 86_400_000;

/** A type's policy in force: from the catalog, or the default while nobody has set one. */
export interface PolicyInForce {
  type: RetainedType;
  policy: RetentionPolicy;
  source: 'catalog' | 'default';
  /** The catalog version in force. */
  versionId?: string;
  changedBy?: string;
  changedAt?: Date;
}

/**
 * How long each type of backup is kept: a policy per type in the catalog, edited through the API, every version kept.
 * Until one is set, SPEC §3's defaults apply: TENANT `BACKUP_RETENTION_DAYS` (30), PRE_RESTORE
 * `PRE_RESTORE_RETENTION_DAYS` (7), DISASTER `DISASTER_BACKUP_RETENTION_DAYS` (90) days. Also the expiry port Backups asks
 * when a backup completes.
 */
@Injectable()
export class RetentionPolicies implements BackupExpiryPolicy {
  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  defaults(): Record<RetainedType, RetentionPolicy> {
    return {
      [BackupType.TENANT]: { kind: 'days', days: this.config.retention.tenantDays },
      [BackupType.PRE_RESTORE]: { kind: 'days', days: this.config.retention.preRestoreDays },
      [BackupType.DISASTER]: { kind: 'days', days: this.config.retention.disasterDays },
    };
  }

  async inForce(): Promise<PolicyInForce[]> {
    const versions = await this.em.fork().find(RetentionPolicyVersion, {}, { orderBy: { changedAt: 'desc', id: 'desc' } });
    const defaults = this.defaults();
    return RETAINED_TYPES.map((type) => {
      const newest = versions.find((v) => v.backupType === type);
      return newest
        ? { type, policy: newest.policy, source: 'catalog' as const, versionId: newest.id, changedBy: newest.changedBy, changedAt: newest.changedAt }
        : { type, policy: defaults[type], source: 'default' as const };
    });
  }

  async policyOf(type: RetainedType): Promise<RetentionPolicy> {
    return (await this.inForce()).find((p) => p.type === type)!.policy;
  }

  /** Validates and stores a new version; INVALID_POLICY (400) names every bad field. */
  async set(type: string, input: unknown, changedBy: string): Promise<PolicyInForce> {
    const retained = assertRetainedType(type);
    // Fields absent from the body arrive as undefined properties of the DTO instance: they are not fields of the policy.
    const policy = input && typeof input === 'object' ? Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) : input;
    const problems = validateRetentionPolicy(policy);
    if (problems.length > 0) throw new InvalidPolicyError(problems);
    const version = Object.assign(new RetentionPolicyVersion(), { backupType: retained, policy: policy as RetentionPolicy, changedBy });
    await this.em.fork().persistAndFlush(version);
    return { type: retained, policy: version.policy, source: 'catalog', versionId: version.id, changedBy, changedAt: version.changedAt };
  }

  /** Keep-for-days policies know the date at completion; GFS ones only at a later run. Customer exports: their download window. */
  async expiresAt(type: BackupType, createdAt: Date): Promise<Date | undefined> {
    if (type === BackupType.CUSTOMER) return new Date(createdAt.getTime() + this.config.customerExports.ttlHours * 3_600_000);
    // Kept while a kept point in time needs it: only a retention run, seeing the newer base backups, can tell.
    if (type === BackupType.BASE) return undefined;
    const policy = await this.policyOf(type);
    return policy.kind === 'days' ? new Date(createdAt.getTime() + policy.days * DAY_MS) : undefined;
  }
}

export function assertRetainedType(type: string): RetainedType {
  if (!(RETAINED_TYPES as readonly string[]).includes(type)) throw new UnretainedTypeError(type, RETAINED_TYPES);
  return type as RetainedType;
}
