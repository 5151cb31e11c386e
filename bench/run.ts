/**
 * `npm run bench`: TenantVault's pipelines against the raw PostgreSQL tools on the same data (SPEC §11).
 * Sizes: BENCH_SIZE_MB (large tenant, default 1024), BENCH_SMALL_TENANTS (default 2000). GZIP_LEVEL,
 * UPLOAD_PART_SIZE_MB, UPLOAD_CONCURRENCY and BACKUP_CONCURRENCY are read as the service reads them.
 * The large backup is also run once under --cpu-prof and its top functions listed in the report (BENCH_PROFILE=0 skips it).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import * as tenantData from '../libs/tenant-data';
import { columnsForCopy, discoverTenantGraph, quoteIdent, TenancyConfig, tenantRowsPredicate } from '../libs/tenant-data';
import { deleteRedisKeys } from '../test/support/redis-keys';
import { startS3Server, S3TestServer } from '../test/support/s3-server';
import { createBackgroundApp } from '../src/app.factory';
import { AppConfig, loadConfig } from '../src/config';
import { migrateCatalog } from '../src/database/migrate';
import { BackupsService } from '../src/modules/backups';
import { baselineBackup, baselineDisaster, baselineRestore, elapsed, TableQuery } from './baselines';
import { PipelineSettings, runWorker, WorkerJob, WorkerResult } from './backup-worker';
import { createDataset, databaseUrl, Dataset, recreateDatabase } from './dataset';
import { BenchResults, CpuMeter, environment, printReport, summarizeProfile, writeReport } from './report';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CATALOG_DB = 'tv_bench_catalog';
const SIZE_MB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const SMALL_TENANTS = Number(process.env.BENCH_SMALL_TENANTS ?? 2000);
const PROFILE = process.env.BENCH_PROFILE !== '0';
/** A second large backup at this gzip level (if it differs from GZIP_LEVEL): the evidence for choosing a default. */
const ALT_GZIP_LEVEL = Number(process.env.BENCH_ALT_GZIP_LEVEL ?? 4);
const log = (line: string) => console.log(line);

/** The service's own configuration, so the bench measures its defaults (or whatever the environment overrides). */
function serviceConfig(overrides: Record<string, string>): AppConfig {
  return loadConfig({
    ...process.env,
    JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-0123',
    BACKUP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    STORAGE_PROVIDERS: 'local',
    ...overrides,
  });
}

/** The export's own SELECTs for one tenant, discovered the way the export discovers them. */
async function tenantQueries(url: string, tenancy: TenancyConfig, tenantId: string): Promise<TableQuery[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const graph = await discoverTenantGraph(client, tenancy);
    return graph.tables.map((table) => {
      const columns = columnsForCopy(table).map(quoteIdent).join(', ');
      const predicate = tenantRowsPredicate(graph, table, tenantId, 't');
      const select = `SELECT ${columns} FROM ${table.qualifiedName} AS "t" WHERE ${predicate}`;
      return { name: `${table.schema}.${table.name}`, qualifiedName: table.qualifiedName, columns, predicate, select };
    });
  } finally {
    await client.end();
  }
}

/** Children first, then VACUUM: both restores start from the same clean tables. */
async function deleteTenant(url: string, tables: TableQuery[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of [...tables].reverse()) await client.query(`DELETE FROM ${table.qualifiedName} AS "t" WHERE ${table.predicate}`);
    for (const table of tables) await client.query(`VACUUM ANALYZE ${table.qualifiedName}`);
  } finally {
    await client.end();
  }
}

async function countRows(url: string, tables: TableQuery[]): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    let rows = 0;
    for (const table of tables) rows += Number((await client.query(`SELECT count(*) AS n FROM (${table.select}) s`)).rows[0].n);
    return rows;
  } finally {
    await client.end();
  }
}

async function measured<T>(what: string, run: () => Promise<T>): Promise<T & { busyCores: number }> {
  log(`• ${what}`);
  const cpu = new CpuMeter();
  const result = await run();
  return { ...result, busyCores: cpu.busyCores() };
}

/** The small tenants through the real queue: a worker in this process, bulk-enqueued, until the catalog says all settled. */
async function smallTenantsThroughQueue(dataset: Dataset, storageDir: string): Promise<BenchResults['smallTenants']> {
  const catalogUrl = databaseUrl(ADMIN_URL, CATALOG_DB);
  await recreateDatabase(ADMIN_URL, CATALOG_DB);
  await migrateCatalog(catalogUrl);
  const config = serviceConfig({ DATABASE_URL: catalogUrl, SOURCE_DATABASE_URL: dataset.url, APP_ROLE: 'worker', QUEUE_PREFIX: 'tvbench', LOCAL_STORAGE_PATH: storageDir });
  // Jobs left over by an interrupted run would point at records of a dropped catalog: every key of the bench's prefix goes.
  await deleteRedisKeys(config.redisUrl, `${config.queuePrefix}:*`);
  const app = await createBackgroundApp(config, false);
  const catalog = new Client({ connectionString: catalogUrl });
  await catalog.connect();
  try {
    const cpu = new CpuMeter();
    const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const { accepted, skipped } = await app.get(BackupsService).requestBulkBackup('bench', dataset.smallTenants);
    const enqueueSeconds = elapsed(started);
    if (skipped.length > 0) throw new Error(`${skipped.length} small tenants were not accepted: ${skipped[0].reason}`);
    let rssHalfMb: number | undefined;
    for (;;) {
      const { rows } = await catalog.query<{ settled: string; failed: string; avg_ms: string | null }>(
        `SELECT count(*) FILTER (WHERE status IN ('COMPLETED', 'FAILED')) AS settled, count(*) FILTER (WHERE status = 'FAILED') AS failed,
           avg(duration_ms) FILTER (WHERE status = 'COMPLETED') AS avg_ms FROM backup_records`,
      );
      if (rssHalfMb === undefined && Number(rows[0].settled) >= accepted.length / 2) rssHalfMb = process.memoryUsage().rss / 1024 / 1024;
      if (Number(rows[0].settled) >= accepted.length) {
        if (Number(rows[0].failed) > 0) throw new Error(`${rows[0].failed} small-tenant backups FAILED`);
        const seconds = elapsed(started);
        const rssAfterMb = process.memoryUsage().rss / 1024 / 1024;
        const { user, system } = process.cpuUsage(cpuBefore);
        return { tenants: accepted.length, seconds, enqueueSeconds, avgRecordedMs: Number(rows[0].avg_ms), concurrency: config.queues.backupConcurrency, busyCores: cpu.busyCores(), cpuSeconds: (user + system) / 1e6, rssBeforeMb, rssHalfMb: rssHalfMb ?? rssAfterMb, rssAfterMb };
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await catalog.end();
    await app.close();
  }
}

async function main(): Promise<void> {
  const benchStarted = process.hrtime.bigint();
  const work = await mkdtemp(path.join(tmpdir(), 'tv-bench-'));
  const mediumMb = Math.max(16, Math.round(SIZE_MB / 4));
  const config = serviceConfig({});
  const env = await environment(ADMIN_URL, config);
  log(`TenantVault bench: large tenant ${SIZE_MB} MiB, medium ${mediumMb} MiB, ${SMALL_TENANTS} small tenants; work dir ${work}`);
  let s3: S3TestServer | undefined;
  try {
    log('• generating the platform database');
    const dataset = await createDataset(ADMIN_URL, { largeMb: SIZE_MB, mediumMb, smallTenants: SMALL_TENANTS }, log);
    const tables = await tenantQueries(dataset.url, config.tenancy, dataset.largeTenant);
    s3 = await startS3Server({ bucket: 'tenantvault-bench' });
    const dirs = { ours: path.join(work, 'storage'), baseline: path.join(work, 'baseline'), profiles: path.join(work, 'profiles') };
    await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })));
    const settings: PipelineSettings = {
      encryptionKey: config.encryption.activeKey,
      localDir: dirs.ours,
      s3: { endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      gzipLevel: config.backup.gzipLevel,
      uploadPartSize: config.storage.partSizeBytes,
      uploadConcurrency: config.storage.uploadConcurrency,
    };
    const backupJob = (tenantId: string, gzipLevel = settings.gzipLevel): WorkerJob => ({ kind: 'tenant-backup', url: dataset.url, tenancy: config.tenancy, tenantId, ...settings, gzipLevel });

    const backup = await measured('tenant backup, TenantVault (export → tar → gzip → encrypt → local + S3)', () => runWorker(backupJob(dataset.largeTenant)));
    const baseline = await measured('tenant backup, baseline (psql \\copy | gzip)', () => baselineBackup(dataset.url, tables, dirs.baseline));
    const medium = await measured(`tenant backup of the ${mediumMb} MiB tenant (peak RSS)`, () => runWorker(backupJob(dataset.mediumTenant)));
    const alternative =
      ALT_GZIP_LEVEL !== settings.gzipLevel
        ? { level: ALT_GZIP_LEVEL, ...(await measured(`tenant backup, TenantVault at gzip level ${ALT_GZIP_LEVEL}`, () => runWorker(backupJob(dataset.largeTenant, ALT_GZIP_LEVEL)))) }
        : undefined;
    let profile: BenchResults['profile'];
    if (PROFILE) {
      log('• profiling the large tenant backup (--cpu-prof)');
      const profiled = await runWorker(backupJob(dataset.largeTenant), ['--cpu-prof', `--cpu-prof-dir=${dirs.profiles}`]);
      profile = { seconds: profiled.seconds, top: await summarizeProfile(dirs.profiles, 15) };
    }

    const expectedRows = backup.rows ?? 0;
    log('• deleting the large tenant for the baseline restore');
    await deleteTenant(dataset.url, tables);
    const baselineRestored = await measured('restore, baseline (gunzip | psql \\copy FROM STDIN)', () => baselineRestore(dataset.url, tables, dirs.baseline));
    const baselineRows = await countRows(dataset.url, tables);
    if (baselineRows !== expectedRows) throw new Error(`baseline restore brought back ${baselineRows} rows, the backup holds ${expectedRows}`);
    let restore: (WorkerResult & { busyCores: number }) | undefined;
    let restoreUnavailable = typeof (tenantData as Record<string, unknown>).importTenant === 'function' ? undefined : 'importTenant is not exported by libs/tenant-data yet';
    if (restoreUnavailable) {
      log(`• restore: not available (${restoreUnavailable})`);
    } else {
      log('• deleting the large tenant for the TenantVault restore');
      await deleteTenant(dataset.url, tables);
      try {
        restore = await measured('restore, TenantVault (importTenant FULL from the local copy)', () =>
          runWorker({ kind: 'tenant-restore', url: dataset.url, tenancy: config.tenancy, tenantId: dataset.largeTenant, file: backup.localFile!, encryptionKey: settings.encryptionKey }),
        );
        const rowsAfter = await countRows(dataset.url, tables);
        if (rowsAfter !== expectedRows) throw new Error(`it brought back ${rowsAfter} rows, the backup holds ${expectedRows}`);
      } catch (error) {
        // The restore engine is young: report its failure in the table instead of losing the other figures.
        restore = undefined;
        restoreUnavailable = `the TenantVault restore failed: ${(error as Error).message.split('\n')[0]}`;
        log(`• restore: ${restoreUnavailable}`);
      }
    }

    const disaster = await measured('DISASTER backup, TenantVault (pg_dump → tar → gzip → encrypt → local)', () =>
      runWorker({ kind: 'disaster-backup', url: dataset.url, ...settings, s3: undefined }),
    );
    const disasterBaseline = await measured('DISASTER backup, baseline (pg_dump -Fc | openssl enc)', () => baselineDisaster(dataset.url, path.join(dirs.baseline, 'platform.dump.enc')));

    log(`• ${dataset.smallTenants.length} small tenants through the queue`);
    const smallTenants = dataset.smallTenants.length > 0 ? await smallTenantsThroughQueue(dataset, path.join(work, 'queue-storage')) : undefined;

    const results: BenchResults = {
      env,
      sizes: { largeMb: SIZE_MB, mediumMb },
      backup,
      baseline,
      alternative,
      medium,
      restore,
      restoreUnavailable,
      baselineRestore: baselineRestored,
      disaster,
      disasterBaseline,
      smallTenants,
      profile,
      totalSeconds: elapsed(benchStarted),
    };
    printReport(results);
    await writeReport(path.join(__dirname, '..', '..', 'docs', 'BENCHMARKS.md'), results);
  } finally {
    await s3?.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
