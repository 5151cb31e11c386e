/**
 * One measured pipeline run in a process of its own, so that its peak RSS is its own: the parent passes a job as
 * JSON in argv[2] and reads one JSON line of results from stdout. `node --cpu-prof dist-bench/bench/backup-worker.js '<job>'`
 * profiles a run alone.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createArchiveStream, DEFAULT_PART_SIZE, readArchive } from '../libs/archive';
import { createDisasterArchiveStream } from '../libs/archive/disaster-archive';
import { DISASTER_FORMAT_VERSION } from '../libs/archive/disaster-manifest';
import { sealStream, unsealStream } from '../libs/archive/sealed-archive';
import { KeyRing } from '../libs/crypto';
import { disasterBackupKey, LocalFsAdapter, putToAll, S3CompatibleAdapter, StoragePort, tenantBackupKey } from '../libs/storage';
import { importTenant, openTenantExport, TenancyConfig, tenantArchiveInput } from '../libs/tenant-data';
import { CONFIG_URL_PARAMS, locatePgTool, parsePgUrl, pgDumpStream } from '../libs/pg-tools';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3Target {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Storage and sealing settings, as the service's configuration would give them. */
export interface PipelineSettings {
  encryptionKey: string;
  localDir: string;
  s3?: S3Target;
  gzipLevel: number;
  /** Blocks deflated at once (COMPRESSION_THREADS). */
  compressionThreads: number;
  /** S3 multipart part size (UPLOAD_PART_SIZE_MB) and parts in flight (UPLOAD_CONCURRENCY). */
  uploadPartSize: number;
  uploadConcurrency: number;
}

export type WorkerJob =
  | ({ kind: 'tenant-backup'; url: string; tenancy: TenancyConfig; tenantId: string } & PipelineSettings)
  | ({ kind: 'tenant-restore'; url: string; tenancy: TenancyConfig; tenantId: string; file: string } & Pick<PipelineSettings, 'encryptionKey'>)
  | ({ kind: 'disaster-backup'; url: string } & PipelineSettings);

export interface WorkerResult {
  seconds: number;
  /** process.resourceUsage().maxRSS at the end, in MiB. */
  peakRssMb: number;
  /** User + system CPU time of the process (main thread and the zlib/crypto/fs threads), in seconds. */
  cpuSeconds: number;
  /** COPY text (tenant) or pg_dump output (disaster) bytes that went through. */
  contentBytes?: number;
  rows?: number;
  storedBytes?: number;
  /** Where the local copy was written (restores read it back). */
  localFile?: string;
}

function adapters(job: PipelineSettings): StoragePort[] {
  const targets: StoragePort[] = [new LocalFsAdapter(job.localDir)];
  if (job.s3) {
    targets.push(new S3CompatibleAdapter({ name: 'b2', region: 'us-east-1', ...job.s3, partSize: job.uploadPartSize, queueSize: job.uploadConcurrency }));
  }
  return targets;
}

/** The tenant backup of TenantBackupProducer and BackupStore, minus the catalog: export → tar → gzip → encrypt → sha256 → every provider. */
async function tenantBackup(job: Extract<WorkerJob, { kind: 'tenant-backup' }>): Promise<Omit<WorkerResult, 'seconds' | 'peakRssMb' | 'cpuSeconds'>> {
  const ring = KeyRing.fromBase64(job.encryptionKey);
  const backupId = randomUUID();
  const createdAt = new Date();
  const key = tenantBackupKey(job.tenantId, backupId, createdAt);
  const source = await openTenantExport(job.url, job.tenancy, job.tenantId);
  try {
    const { manifest, tables } = tenantArchiveInput(source, job.tenantId, backupId, createdAt);
    const archive = createArchiveStream(manifest, tables());
    const sealed = sealStream(archive.stream, ring, { kind: 'tenant', tenantId: job.tenantId }, { gzipLevel: job.gzipLevel, compressionThreads: job.compressionThreads });
    const results = await putToAll(adapters(job), key, sealed.stream);
    const summary = await archive.summary;
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) throw new Error(`not stored: ${failed.map((r) => (r.ok ? '' : r.error.message)).join('; ')}`);
    return { contentBytes: summary.totalBytes, rows: summary.totalRows, storedBytes: sealed.stats().storedBytes, localFile: `${job.localDir}/${key}` };
  } finally {
    await source.close();
  }
}

/** A FULL restore of the local copy through importTenant, as the restore runner reads a stored copy. */
async function tenantRestore(job: Extract<WorkerJob, { kind: 'tenant-restore' }>): Promise<Omit<WorkerResult, 'seconds' | 'peakRssMb' | 'cpuSeconds'>> {
  const ring = KeyRing.fromBase64(job.encryptionKey);
  const plain = unsealStream(createReadStream(job.file), ring, { kind: 'tenant', tenantId: job.tenantId });
  const result = await importTenant(job.url, job.tenancy, job.tenantId, readArchive(plain.stream), { mode: 'FULL' });
  return { rows: Object.values(result.rowsRestored).reduce((sum, rows) => sum + rows, 0) };
}

/** pg_dump -Fc (uncompressed) → disaster tar → gzip → encrypt → sha256 → storage, as DisasterBackupProducer streams it. */
async function disasterBackup(job: Extract<WorkerJob, { kind: 'disaster-backup' }>): Promise<Omit<WorkerResult, 'seconds' | 'peakRssMb' | 'cpuSeconds'>> {
  const ring = KeyRing.fromBase64(job.encryptionKey);
  const tool = await locatePgTool('pg_dump', 15);
  const backupId = randomUUID();
  const createdAt = new Date();
  const dump = pgDumpStream(tool, parsePgUrl(job.url, CONFIG_URL_PARAMS));
  const archive = createDisasterArchiveStream({
    manifest: {
      formatVersion: DISASTER_FORMAT_VERSION,
      kind: 'disaster',
      backupId,
      createdAt: createdAt.toISOString(),
      tenantvault: { version: 'bench', gitCommit: null },
      source: { database: new URL(job.url).pathname.slice(1), serverVersion: 'bench', serverVersionNum: 150000 },
      dump: { tool: 'pg_dump', version: tool.version, format: 'custom', compression: 'none', partSize: DEFAULT_PART_SIZE },
      configFiles: [],
    },
    configData: [],
    dump,
  });
  const sealed = sealStream(archive.stream, ring, { kind: 'platform' }, { gzipLevel: job.gzipLevel, compressionThreads: job.compressionThreads });
  const key = disasterBackupKey(backupId, createdAt);
  const results = await putToAll(adapters(job), key, sealed.stream);
  const summary = await archive.summary;
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(`not stored: ${failed.map((r) => (r.ok ? '' : r.error.message)).join('; ')}`);
  return { contentBytes: summary.bytes, storedBytes: sealed.stats().storedBytes, localFile: `${job.localDir}/${key}` };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as WorkerJob;
  const started = process.hrtime.bigint();
  const run = job.kind === 'tenant-backup' ? tenantBackup(job) : job.kind === 'tenant-restore' ? tenantRestore(job) : disasterBackup(job);
  const result = await run;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const usage = process.resourceUsage();
  const out: WorkerResult = { seconds, peakRssMb: usage.maxRSS / 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, ...result };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** Runs a job in a child process (optionally with extra node flags such as --cpu-prof) and returns its result. */
export function runWorker(job: WorkerJob, nodeFlags: string[] = []): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...nodeFlags, __filename, JSON.stringify(job)], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${job.kind} worker failed: ${stderr.trim() || error.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as WorkerResult);
    });
  });
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}
