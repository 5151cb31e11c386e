import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sealStream, unsealStream } from '../archive/sealed-archive';
import { Sha256Meter } from '../archive/stream-meters';
import type { KeyRing } from '../crypto';
import { putToAll } from '../storage/fan-out';
import { ObjectNotFoundError, ProviderUnavailableError, StorageError } from '../storage/storage.errors';
import { parseWalKey, walFileKey, walSidecarKey } from '../storage/storage-keys';
import type { ProviderName, StoragePort } from '../storage/storage.port';
import { PitrError } from './pitr.errors';
import { readSidecarJson } from './small-json';
import { parseWalFileName, WalFileKind } from './wal-names';

/**
 * The WAL archive: every file PostgreSQL archives, sealed with the platform key (compress, then encrypt, as backups
 * are) under `wal/<timeline>/<file>`, with a plain JSON sidecar beside it that records the file's own sha256 and size.
 * The objects in the buckets are the archive; the catalog's table of segments is an index of them, rebuilt from the
 * sidecars whenever needed. The format is in docs/FORMAT.md, "WAL archive".
 */
export const WAL_SIDECAR_FORMAT = 'tenantvault.wal/1';
const SHA256 = /^[0-9a-f]{64}$/;

export interface WalSidecar {
  format: typeof WAL_SIDECAR_FORMAT;
  file: string;
  timeline: number;
  kind: WalFileKind;
  /** sha256 and size of the file as PostgreSQL wrote it. */
  sha256: string;
  bytes: number;
  /** sha256 and size of the stored object (the envelope): checkable without keys. */
  storedSha256: string;
  storedBytes: number;
  compression: string;
  encryption: { alg: 'AES-256-GCM'; keyId: string };
  /** When PostgreSQL last wrote the file (its mtime): for a segment, when it was closed. */
  modifiedAt: string;
  archivedAt: string;
}

export function parseWalSidecar(value: unknown, file: string): WalSidecar {
  const s = value as Partial<WalSidecar> | null;
  const bad = (what: string) => new PitrError('PITR.BAD_SIDECAR', `WAL sidecar of ${file}: ${what}`);
  if (!s || typeof s !== 'object' || s.format !== WAL_SIDECAR_FORMAT) throw bad(`format is not ${WAL_SIDECAR_FORMAT}`);
  if (s.file !== file) throw bad('file does not match its key');
  if (!SHA256.test(s.sha256 ?? '') || !SHA256.test(s.storedSha256 ?? '')) throw bad('sha256 is malformed');
  for (const field of ['bytes', 'storedBytes'] as const) if (!Number.isSafeInteger(s[field]) || s[field]! < 0) throw bad(`${field} is not a byte count`);
  for (const field of ['modifiedAt', 'archivedAt'] as const) if (typeof s[field] !== 'string' || Number.isNaN(Date.parse(s[field]!))) throw bad(`${field} is not a timestamp`);
  if (typeof s.encryption?.keyId !== 'string' || typeof s.compression !== 'string') throw bad('encryption or compression is missing');
  return s as WalSidecar;
}

/** The sidecar of `file` at `adapter`; null when it is not archived there. Throws when the provider cannot say. */
export async function readWalSidecar(adapter: StoragePort, file: string): Promise<WalSidecar | null> {
  const parsed = await readSidecarJson(adapter, walSidecarKey(file), `WAL sidecar of ${file}`);
  return parsed === null ? null : parseWalSidecar(parsed, file);
}

export interface PushOptions {
  gzipLevel: number;
  /** Blocks deflated at once (COMPRESSION_THREADS); the default is the machine's cores. */
  compressionThreads?: number;
  now?: () => Date;
}

export interface PushOutcome {
  file: string;
  sha256: string;
  bytes: number;
  /** Providers that stored it now. */
  stored: ProviderName[];
  /** Providers that already held it with the same sha256 (a repeated archive_command: nothing to do). */
  alreadyStored: ProviderName[];
  failed: { provider: ProviderName; reason: string }[];
  /** What is (now) in the sidecar, as written by this push or found at the first provider holding it. */
  sidecar?: WalSidecar;
}

/**
 * Archives one file PostgreSQL hands to archive_command, at every provider: compressed, encrypted with the platform
 * key, with its sidecar. A provider holding it already with the same sha256 is left alone; one holding different
 * bytes under that name is a conflict (PITR.WAL_CONFLICT: two clusters, or a reused archive), and nothing is written.
 * The outcome says which providers hold it; the caller decides what is enough (the primary, for archive_command).
 */
export async function pushWalFile(path: string, adapters: StoragePort[], ring: KeyRing, options: PushOptions): Promise<PushOutcome> {
  const file = parseWalFileName(basename(path));
  const info = await stat(path);
  const known = await Promise.all(adapters.map((adapter) => readWalSidecar(adapter, file.name).then((sidecar) => ({ sidecar }), (error: Error) => ({ error }))));
  // The file is hashed ahead only when a provider has it already (to compare); otherwise while it is sealed.
  const before = known.some((k) => 'sidecar' in k && k.sidecar) ? await hashFile(path) : undefined;
  const outcome: PushOutcome = { file: file.name, sha256: before ?? '', bytes: info.size, stored: [], alreadyStored: [], failed: [] };
  const sha256 = before;

  const targets: StoragePort[] = [];
  known.forEach((found, i) => {
    const adapter = adapters[i];
    if ('error' in found) outcome.failed.push({ provider: adapter.name, reason: found.error.message });
    else if (!found.sidecar) targets.push(adapter);
    else if (found.sidecar.sha256 === sha256 && found.sidecar.bytes === info.size) {
      outcome.alreadyStored.push(adapter.name);
      outcome.sidecar ??= found.sidecar;
    } else {
      throw new PitrError(
        'PITR.WAL_CONFLICT',
        `${file.name} is already archived at ${adapter.name} with other content (sha256 ${found.sidecar.sha256.slice(0, 12)}…, ${found.sidecar.bytes} bytes; this file: ${sha256!.slice(0, 12)}…, ${info.size} bytes): is another cluster archiving into the same place?`,
      );
    }
  });
  if (targets.length === 0) return outcome;

  const plain = new Sha256Meter();
  const sealed = sealStream(createReadStream(path).pipe(plain), ring, { kind: 'platform' }, { gzipLevel: options.gzipLevel, compressionThreads: options.compressionThreads });
  const results = await putToAll(targets, walFileKey(file.name), sealed.stream);
  const stats = sealed.stats();
  outcome.sha256 = plain.digest();
  if (results.some((r) => r.ok) && sha256 !== undefined && outcome.sha256 !== sha256) {
    // The file changed while it was read: what was stored is not what was hashed.
    await Promise.all(targets.map((t) => t.delete(walFileKey(file.name)).catch(() => undefined)));
    throw new PitrError('PITR.WAL_CONFLICT', `${file.name} changed while it was being archived`);
  }
  const now = options.now?.() ?? new Date();
  const sidecar: WalSidecar = {
    format: WAL_SIDECAR_FORMAT,
    file: file.name,
    timeline: file.timeline,
    kind: file.kind,
    sha256: outcome.sha256,
    bytes: info.size,
    storedSha256: stats.sha256,
    storedBytes: stats.storedBytes,
    compression: sealed.compression,
    encryption: { alg: 'AES-256-GCM', keyId: ring.activeKeyId },
    modifiedAt: info.mtime.toISOString(),
    archivedAt: now.toISOString(),
  };
  const body = Buffer.from(JSON.stringify(sidecar, null, 2));
  // The sidecar is written only after its object: a sidecar is the mark of a complete copy.
  await Promise.all(
    results.map(async (result) => {
      const target = targets.find((t) => t.name === result.provider)!;
      if (!result.ok) return outcome.failed.push({ provider: result.provider, reason: result.error.message });
      try {
        await target.put(walSidecarKey(file.name), Readable.from([body]), { contentType: 'application/json' });
        outcome.stored.push(result.provider);
      } catch (error) {
        outcome.failed.push({ provider: result.provider, reason: `sidecar not written: ${(error as Error).message}` });
      }
    }),
  );
  outcome.sidecar = sidecar;
  return outcome;
}

/**
 * Fetches one archived file for restore_command: from the first provider (in the order given) that holds an intact
 * copy, decrypted, checked against its sidecar's sha256 and size, and written to `destination` under a temporary
 * name first. PITR.WAL_NOT_ARCHIVED when every provider answered that it does not have it (PostgreSQL then knows the
 * archive ends here); PITR.WAL_UNAVAILABLE or PITR.WAL_DAMAGED when some could not answer or held damaged bytes, so
 * that recovery stops instead of ending early at a point the operator did not ask for.
 */
export async function fetchWalFile(fileName: string, destination: string, adapters: StoragePort[], ring: KeyRing): Promise<{ provider: ProviderName; sidecar: WalSidecar; skipped: { provider: ProviderName; reason: string }[] }> {
  const file = parseWalFileName(fileName);
  const skipped: { provider: ProviderName; reason: string; kind: 'missing' | 'unavailable' | 'damaged' }[] = [];
  for (const adapter of adapters) {
    let sidecar: WalSidecar | null;
    try {
      sidecar = await readWalSidecar(adapter, file.name);
    } catch (error) {
      skipped.push({ provider: adapter.name, reason: (error as Error).message, kind: error instanceof PitrError ? 'damaged' : 'unavailable' });
      continue;
    }
    if (!sidecar) {
      skipped.push({ provider: adapter.name, reason: 'not archived there', kind: 'missing' });
      continue;
    }
    const temp = `${destination}.tenantvault-${process.pid}.tmp`;
    try {
      await writeVerified(adapter, file.name, sidecar, ring, temp);
      await rename(temp, destination);
      return { provider: adapter.name, sidecar, skipped };
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      const kind = error instanceof ObjectNotFoundError ? 'missing' : error instanceof ProviderUnavailableError || (error instanceof StorageError && error.code !== 'STORAGE.OBJECT_NOT_FOUND') ? 'unavailable' : 'damaged';
      skipped.push({ provider: adapter.name, reason: (error as Error).message, kind });
    }
  }
  const summary = skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ');
  if (skipped.every((s) => s.kind === 'missing')) throw new PitrError('PITR.WAL_NOT_ARCHIVED', `${file.name} is not archived (${summary})`);
  if (skipped.some((s) => s.kind === 'damaged')) throw new PitrError('PITR.WAL_DAMAGED', `${file.name}: no intact copy (${summary})`);
  throw new PitrError('PITR.WAL_UNAVAILABLE', `${file.name} could not be read (${summary})`);
}

async function writeVerified(adapter: StoragePort, file: string, sidecar: WalSidecar, ring: KeyRing, temp: string): Promise<void> {
  const stored = await adapter.get(walFileKey(file));
  const plain = unsealStream(stored, ring, { kind: 'platform' });
  const hash = new Sha256Meter();
  const out = await open(temp, 'wx', 0o600);
  try {
    const writer = out.createWriteStream({ flush: true });
    await pipeline(plain.stream, hash, writer);
  } finally {
    await out.close().catch(() => undefined);
  }
  if (plain.storedSha256() !== sidecar.storedSha256) throw new PitrError('PITR.WAL_DAMAGED', `${file} at ${adapter.name}: the stored object's sha256 is not the sidecar's`);
  if (hash.digest() !== sidecar.sha256) throw new PitrError('PITR.WAL_DAMAGED', `${file} at ${adapter.name}: the decrypted file's sha256 is not the sidecar's`);
  const { size } = await stat(temp);
  if (size !== sidecar.bytes) throw new PitrError('PITR.WAL_DAMAGED', `${file} at ${adapter.name}: ${size} bytes, the sidecar says ${sidecar.bytes}`);
}

/** What a provider holds of the archive: each file with both its object and its sidecar (a complete copy). */
export async function listArchivedWal(adapter: StoragePort): Promise<Map<string, { storedBytes: number; lastModified: Date }>> {
  const objects = new Map<string, { storedBytes: number; lastModified: Date }>();
  const sidecars = new Set<string>();
  for await (const info of adapter.list('wal/')) {
    const parsed = parseWalKey(info.key);
    if (!parsed) continue;
    if (parsed.sidecar) sidecars.add(parsed.fileName);
    else objects.set(parsed.fileName, { storedBytes: info.size, lastModified: info.lastModified });
  }
  for (const name of [...objects.keys()]) if (!sidecars.has(name)) objects.delete(name);
  return objects;
}

/** Copies an archived file (object, then sidecar) from one provider to another, keeping it only if its sha256 is the sidecar's. */
export async function copyWalFile(source: StoragePort, target: StoragePort, file: string): Promise<WalSidecar> {
  const sidecar = await readWalSidecar(source, file);
  if (!sidecar) throw new PitrError('PITR.WAL_NOT_ARCHIVED', `${file} is not archived at ${source.name}`);
  const hash = new Sha256Meter();
  const out = new PassThrough();
  const copying = pipeline(await source.get(walFileKey(file)), hash, out);
  const storing = target.put(walFileKey(file), out).catch((error: Error) => {
    out.destroy(error);
    throw error;
  });
  await Promise.all([storing, copying]);
  if (hash.digest() !== sidecar.storedSha256) {
    await target.delete(walFileKey(file)).catch(() => undefined);
    throw new PitrError('PITR.WAL_DAMAGED', `${file} read from ${source.name} does not match its sidecar's sha256`);
  }
  await target.put(walSidecarKey(file), Readable.from([Buffer.from(JSON.stringify(sidecar, null, 2))]), { contentType: 'application/json' });
  return sidecar;
}

/** Removes an archived file (sidecar first, so a half-removed file never looks complete) from one provider. */
export async function deleteWalFile(adapter: StoragePort, file: string): Promise<void> {
  await adapter.delete(walSidecarKey(file));
  await adapter.delete(walFileKey(file));
}

async function hashFile(path: string): Promise<string> {
  const hash = new Sha256Meter();
  await pipeline(createReadStream(path), hash, new PassThrough().resume());
  return hash.digest();
}

/** Reads a small archived file whole (a timeline history file), verified as fetchWalFile does, from the first provider that has it. */
export async function readArchivedText(file: string, adapters: StoragePort[], ring: KeyRing, maxBytes = 1024 * 1024): Promise<string> {
  for (const adapter of adapters) {
    const sidecar = await readWalSidecar(adapter, file).catch(() => null);
    if (!sidecar || sidecar.bytes > maxBytes) continue;
    try {
      const plain = unsealStream(await adapter.get(walFileKey(file)), ring, { kind: 'platform' });
      const chunks: Buffer[] = [];
      for await (const chunk of plain.stream as AsyncIterable<Buffer>) chunks.push(chunk);
      const text = Buffer.concat(chunks);
      if (createHash('sha256').update(text).digest('hex') === sidecar.sha256) return text.toString('utf8');
    } catch {
      // damaged or unreadable here: try the next provider
    }
  }
  throw new PitrError('PITR.WAL_NOT_ARCHIVED', `${file} could not be read from any provider`);
}
