import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ALERT_SEVERITIES, ALERT_TYPES } from '../../../libs/alerting';
import { BackupKind, DomainEvents } from '../../common/domain-events';
import { APP_CONFIG, AppConfig } from '../../config';
import { AlertsService } from '../alerts';
import { BackupStatisticsService, BackupType } from '../backups';
import { PointInTimeService } from '../point-in-time';
import { QueueDepths } from './queue-depths.service';

const BACKUP_KINDS: BackupKind[] = ['TENANT', 'PRE_RESTORE', 'CUSTOMER', 'DISASTER', 'BASE'];
/** From seconds (a small tenant) to half a day (a large platform dump). */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 43_200];
/**
 * Per-tenant series are bounded: only this many active tenants, the stalest, get a last-backup timestamp series
 * (docs/MONITORING.md). Ten thousand tenants still make a handful of series, and the tenants worth looking at are in it.
 */
const STALEST_TENANT_SERIES = 20;
const HOUR_MS = 3_600_000;

/** What a scrape reads from outside the process; each part reports whether it could be read (tenantvault_metrics_part_up). */
type Part = 'catalog' | 'tenants' | 'alerts' | 'queues' | 'wal';

/**
 * The Prometheus metrics of this process, in a registry of its own (several app instances in one process do not
 * collide). Counters and histograms count the domain events this process saw; gauges are read from the catalog,
 * the platform, the alerts and Redis at each scrape, so they are the same whichever process serves them.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();

  private readonly backups = new Counter({ name: 'tenantvault_backups_total', help: 'Backups finished by this process, by type and outcome (completed, failed)', labelNames: ['type', 'outcome'], registers: [this.registry] });
  private readonly restores = new Counter({ name: 'tenantvault_restores_total', help: 'Restores finished by this process, by kind (tenant, disaster) and outcome', labelNames: ['kind', 'outcome'], registers: [this.registry] });
  private readonly integrityFailures = new Counter({ name: 'tenantvault_integrity_failures_total', help: 'Stored copies found damaged, by provider', labelNames: ['provider'], registers: [this.registry] });
  private readonly backupDuration = new Histogram({ name: 'tenantvault_backup_duration_seconds', help: 'Duration of completed backups, by type', labelNames: ['type'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly backupRecords = new Gauge({ name: 'tenantvault_backup_records', help: 'Backups in the catalog, by type and status', labelNames: ['type', 'status'], registers: [this.registry] });
  private readonly storedBytes = new Gauge({ name: 'tenantvault_storage_stored_bytes', help: 'Bytes of restorable backup copies at each provider, from the catalog', labelNames: ['provider'], registers: [this.registry] });
  private readonly quotaBytes = new Gauge({ name: 'tenantvault_storage_quota_bytes', help: 'Configured quota per provider (STORAGE_QUOTA_<PROVIDER>_GB)', labelNames: ['provider'], registers: [this.registry] });
  private readonly activeTenants = new Gauge({ name: 'tenantvault_tenants_active', help: 'Active tenants of the platform', registers: [this.registry] });
  private readonly staleTenants = new Gauge({ name: 'tenantvault_tenants_stale', help: 'Active tenants without a completed backup within BACKUP_STALE_AFTER_HOURS', registers: [this.registry] });
  private readonly tenantLastBackup = new Gauge({
    name: 'tenantvault_tenant_last_backup_timestamp_seconds',
    help: `Unix time of the newest completed backup of the ${STALEST_TENANT_SERIES} stalest active tenants (0: never)`,
    labelNames: ['tenant_id'],
    registers: [this.registry],
  });
  private readonly oldestTenantBackup = new Gauge({ name: 'tenantvault_oldest_tenant_backup_timestamp_seconds', help: 'Unix time of the newest completed backup of the stalest active tenant (0: one was never backed up)', registers: [this.registry] });
  private readonly lastDisasterBackup = new Gauge({ name: 'tenantvault_last_disaster_backup_timestamp_seconds', help: 'Unix time of the newest completed disaster backup (0: none)', registers: [this.registry] });
  private readonly queueJobs = new Gauge({ name: 'tenantvault_queue_jobs', help: 'Jobs per queue and state (waiting, active, delayed, failed)', labelNames: ['queue', 'state'], registers: [this.registry] });
  private readonly openAlerts = new Gauge({ name: 'tenantvault_alerts_open', help: 'Open alerts by type, severity and status (ACTIVE, ACKNOWLEDGED)', labelNames: ['type', 'severity', 'status'], registers: [this.registry] });
  private readonly walLastArchived = new Gauge({ name: 'tenantvault_wal_last_archived_timestamp_seconds', help: 'Unix time the newest WAL file was archived (wal push), from the catalog (0: none)', registers: [this.registry] });
  private readonly walArchiveAge = new Gauge({ name: 'tenantvault_wal_archive_age_seconds', help: 'Seconds since the newest WAL file was archived: the current RPO of point-in-time recovery (absent while nothing is archived)', registers: [this.registry] });
  private readonly partUp = new Gauge({ name: 'tenantvault_metrics_part_up', help: 'Whether the last scrape could read each source (1) or not (0)', labelNames: ['part'], registers: [this.registry] });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: DomainEvents,
    private readonly statistics: BackupStatisticsService,
    private readonly alerts: AlertsService,
    private readonly queues: QueueDepths,
    private readonly pointInTime: PointInTimeService,
  ) {
    collectDefaultMetrics({ register: this.registry });
    // Every series exists from the start at 0, so rates and "did it move" work from the first scrape.
    for (const type of BACKUP_KINDS) for (const outcome of ['completed', 'failed']) this.backups.inc({ type, outcome }, 0);
    for (const kind of ['tenant', 'disaster']) for (const outcome of ['completed', 'failed']) this.restores.inc({ kind, outcome }, 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  onModuleInit(): void {
    this.events.on('backup.completed', (e) => {
      this.backups.inc({ type: e.backupType, outcome: 'completed' });
      this.backupDuration.observe({ type: e.backupType }, e.durationMs / 1000);
    });
    this.events.on('backup.failed', (e) => this.backups.inc({ type: e.backupType, outcome: 'failed' }));
    this.events.on('restore.completed', () => this.restores.inc({ kind: 'tenant', outcome: 'completed' }));
    this.events.on('restore.failed', () => this.restores.inc({ kind: 'tenant', outcome: 'failed' }));
    this.events.on('disaster-restore.completed', () => this.restores.inc({ kind: 'disaster', outcome: 'completed' }));
    this.events.on('disaster-restore.failed', () => this.restores.inc({ kind: 'disaster', outcome: 'failed' }));
    this.events.on('integrity.failure', (e) => this.integrityFailures.inc({ provider: e.provider }));
  }

  /** The exposition text, gauges read fresh. A source that cannot be read empties its gauges and says so. */
  async render(now: Date = new Date()): Promise<string> {
    await Promise.all([
      this.readPart('catalog', () => this.readCatalog(), [this.backupRecords, this.storedBytes, this.lastDisasterBackup]),
      this.readPart('tenants', () => this.readTenants(now), [this.activeTenants, this.staleTenants, this.tenantLastBackup, this.oldestTenantBackup]),
      this.readPart('alerts', () => this.readAlerts(), [this.openAlerts]),
      this.readPart('queues', () => this.readQueues(), [this.queueJobs]),
      this.readPart('wal', () => this.readWal(now), [this.walLastArchived, this.walArchiveAge]),
    ]);
    this.quotaBytes.reset();
    for (const [provider, bytes] of Object.entries(this.config.monitoring.storageQuotaBytes)) this.quotaBytes.set({ provider }, bytes);
    return this.registry.metrics();
  }

  /** Reads first, then sets every gauge of the part at once: a concurrent scrape never sees half of it. */
  private async readPart(part: Part, read: () => Promise<() => void>, gauges: Gauge[]): Promise<void> {
    try {
      const apply = await read();
      for (const gauge of gauges) gauge.reset();
      apply();
      this.partUp.set({ part }, 1);
    } catch (error) {
      for (const gauge of gauges) gauge.reset();
      this.partUp.set({ part }, 0);
      this.logger.warn(`metrics: ${part} could not be read: ${(error as Error).message}`);
    }
  }

  private async readCatalog(): Promise<() => void> {
    const [totals, stored, lastDisaster] = await Promise.all([this.statistics.totals(), this.statistics.storedBytesPerProvider(), this.statistics.lastCompleted(BackupType.DISASTER)]);
    return () => {
      for (const t of totals) this.backupRecords.set({ type: t.type, status: t.status }, t.count);
      for (const s of stored) this.storedBytes.set({ provider: s.provider }, s.bytes);
      this.lastDisasterBackup.set(seconds(lastDisaster));
    };
  }

  private async readTenants(now: Date): Promise<() => void> {
    const freshness = await this.statistics.tenantFreshness(new Date(now.getTime() - this.config.monitoring.staleAfterHours * HOUR_MS));
    return () => {
      this.activeTenants.set(freshness.tenants.length);
      this.staleTenants.set(freshness.stale);
      for (const t of freshness.tenants.slice(0, STALEST_TENANT_SERIES)) this.tenantLastBackup.set({ tenant_id: t.tenantId }, seconds(t.lastBackupAt));
      if (freshness.tenants.length > 0) this.oldestTenantBackup.set(seconds(freshness.tenants[0].lastBackupAt));
    };
  }

  private async readAlerts(): Promise<() => void> {
    const counts = await this.alerts.openCounts();
    return () => {
      // Zero series for every type and severity keep "no alert" distinguishable from "no data" in PromQL.
      for (const type of ALERT_TYPES) for (const severity of ALERT_SEVERITIES) this.openAlerts.set({ type, severity, status: 'ACTIVE' }, 0);
      for (const c of counts) this.openAlerts.set({ type: c.type, severity: c.severity, status: c.status }, c.count);
    };
  }

  private async readWal(now: Date): Promise<() => void> {
    const last = await this.pointInTime.lastArchivedAt();
    return () => {
      this.walLastArchived.set(seconds(last));
      if (last) this.walArchiveAge.set(Math.max(0, (now.getTime() - last.getTime()) / 1000));
    };
  }

  private async readQueues(): Promise<() => void> {
    const depths = await this.queues.depths();
    if (depths.some((d) => !d.available)) throw new Error('Redis did not answer');
    return () => {
      for (const d of depths) for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.queueJobs.set({ queue: d.queue, state }, d[state] ?? 0);
    };
  }
}

function seconds(at: Date | undefined): number {
  return at ? Math.floor(at.getTime() / 1000) : 0;
}
