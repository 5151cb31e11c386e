import { pushWalFile } from '../../libs/pitr/wal-archive';
import { PitrError } from '../../libs/pitr/pitr.errors';
import { recordArchivedWal } from './wal-catalog';
import { walCliContext } from './wal-cli-config';

export interface WalPushOptions {
  envFile?: string;
  verbose?: boolean;
}

/**
 * `wal push <path>`: PostgreSQL's archive_command (`tenantvault wal push %p`). Compresses, encrypts and checksums the
 * file and stores it under wal/<timeline>/<file> at every provider. Exits 0 only once it is stored at the primary
 * provider (PostgreSQL then recycles the file), whatever the others did: a provider that missed it is filled in by the
 * WAL replication sweep. Pushing a file already archived with the same sha256 is a no-op; one archived with other
 * content is refused. Quiet on success (PostgreSQL logs what it prints), unless --verbose.
 */
export async function walPushCommand(path: string, options: WalPushOptions): Promise<void> {
  const started = Date.now();
  const { config, adapters, ring } = await walCliContext(options.envFile);
  const timeout = setTimeout(() => {
    console.error(`wal push ${path}: not stored after ${config.pointInTime.walPushTimeoutSeconds} s; giving up so that PostgreSQL retries`);
    process.exit(1);
  }, config.pointInTime.walPushTimeoutSeconds * 1000);
  timeout.unref();
  try {
    const outcome = await pushWalFile(path, adapters, ring, { gzipLevel: config.pointInTime.walGzipLevel, compressionThreads: config.compressionThreads });
    const primary = adapters[0].name;
    const holding = [...outcome.alreadyStored, ...outcome.stored].sort();
    const catalogProblem = outcome.sidecar && holding.length > 0 ? await recordArchivedWal(process.env.DATABASE_URL?.trim() || undefined, outcome.sidecar, holding) : undefined;
    const seconds = ((Date.now() - started) / 1000).toFixed(2);
    const missed = outcome.failed.map((f) => `${f.provider}: ${f.reason}`).join('; ');
    if (!holding.includes(primary)) {
      throw new PitrError('PITR.WAL_UNAVAILABLE', `${outcome.file} is not stored at the primary provider ${primary} (${missed || 'unknown reason'}); PostgreSQL will retry`);
    }
    if (missed) console.error(`wal push ${outcome.file}: stored at ${holding.join(', ')}; not at ${missed} (the WAL replication sweep will copy it there)`);
    if (catalogProblem) console.error(`wal push ${outcome.file}: ${catalogProblem}`);
    if (options.verbose) console.error(`wal push ${outcome.file}: ${outcome.stored.length ? `stored at ${outcome.stored.join(', ')}` : 'already archived'}${outcome.alreadyStored.length && outcome.stored.length ? `, already at ${outcome.alreadyStored.join(', ')}` : ''} (${outcome.bytes} bytes, ${seconds} s)`);
  } finally {
    clearTimeout(timeout);
  }
}
