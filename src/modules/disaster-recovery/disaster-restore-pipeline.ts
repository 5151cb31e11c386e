import { pipeline, Readable, Transform } from 'node:stream';
import { readDisasterArchive, readDisasterConfig } from '../../../libs/archive/disaster-archive';
import { writeConfigBundle } from '../../../libs/archive/disaster-config-bundle';
import { DisasterConfigFile, DisasterManifest, DumpSummary } from '../../../libs/archive/disaster-manifest';
import { unsealStream } from '../../../libs/archive/sealed-archive';
import { KeyRing } from '../../../libs/crypto';
import { inspectTarget, locatePgTool, majorOf, PgConnection, runPgRestore } from '../../../libs/pg-tools';
import { TargetNotEmptyError } from './disaster-recovery.errors';

export interface DisasterRestoreRun {
  /** The stored object, as downloaded. */
  stored: Readable;
  ring: KeyRing;
  /** sha256 of the stored object according to the catalog or sidecar. */
  expectedSha256: string;
  target: PgConnection;
  /** Drop what the dump contains before recreating it; without it a non-empty target is refused. */
  clean: boolean;
  /** Also write the configuration bundle to this directory. */
  extractConfigTo?: string;
  /** Stored bytes read so far. */
  onProgress?: (storedBytes: number) => void;
}

export interface DisasterRestoreOutcome {
  manifest: DisasterManifest;
  dump: DumpSummary;
  configWritten: string[];
}

/**
 * Stored object → decrypt → gunzip → tar → pg_restore into the target, streaming. Shared by the worker and the CLI.
 * Nothing touches the target before the object has proven decryptable with the platform key and its manifest has
 * named a pg_restore that can read it. Chunks are authenticated before use, so a tampered object stops the restore;
 * since pg_restore commits as it goes, a failed restore can leave the target partly restored (run again with clean).
 */
export async function restoreDisasterObject(run: DisasterRestoreRun): Promise<DisasterRestoreOutcome> {
  if (!run.clean) {
    const target = await inspectTarget(run.target);
    if (target.userObjects > 0) throw new TargetNotEmptyError(target.database, target.userObjects);
  }
  // pipeline (not pipe) so that a failed download fails the restore instead of stalling it.
  const stored = run.onProgress ? (pipeline(run.stored, progressMeter(run.onProgress), () => undefined) as Readable) : run.stored;
  const plain = unsealStream(stored, run.ring, { kind: 'platform' });
  let manifest: DisasterManifest | undefined;
  const config: { file: DisasterConfigFile; data: Buffer }[] = [];
  let configWritten: string[] = [];
  let pgRestore: Awaited<ReturnType<typeof locatePgTool>> | undefined;

  for await (const entry of readDisasterArchive(plain.stream)) {
    if (entry.kind === 'manifest') {
      manifest = entry.manifest;
      pgRestore = await locatePgTool('pg_restore', majorOf(manifest.dump.version));
    } else if (entry.kind === 'config') {
      config.push(entry);
    } else if (entry.kind === 'dump') {
      if (run.extractConfigTo) configWritten = await writeConfigBundle(run.extractConfigTo, manifest!, config);
      await runPgRestore(pgRestore!, run.target, entry.data, { clean: run.clean });
    } else {
      const sha256 = plain.storedSha256();
      if (sha256 !== run.expectedSha256) throw new Error(`the restored object's sha256 is ${sha256}, the catalog says ${run.expectedSha256}`);
      return { manifest: manifest!, dump: entry.summary, configWritten };
    }
  }
  throw new Error('the disaster archive ended before its summary');
}

/** Writes only the configuration bundle (and manifest) to `dir`; the dump itself is never downloaded. */
export async function extractDisasterConfig(stored: Readable, ring: KeyRing, dir: string): Promise<string[]> {
  const { manifest, files } = await readDisasterConfig(unsealStream(stored, ring, { kind: 'platform' }).stream);
  return writeConfigBundle(dir, manifest, files);
}

function progressMeter(onProgress: (bytes: number) => void): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      onProgress(bytes);
      callback(null, chunk);
    },
  });
}
