import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createEncryptStream, KeyRing } from '../crypto';
import { ArchiveError } from './archive.errors';
import { collect, packTar, sha256, tarEntries } from './archive.spec-helpers';
import { createDisasterArchiveStream, readDisasterArchive, readDisasterConfig, verifyDisasterArchive } from './disaster-archive';
import { MAX_CONFIG_FILE_BYTES, readConfigBundle, writeConfigBundle } from './disaster-config-bundle';
import { configEntryName, DisasterManifest } from './disaster-manifest';
import { unsealStream } from './sealed-archive';

const CONFIG = [
  { path: '/srv/platform/docker-compose.yml', data: Buffer.from('services:\n  api:\n    image: platform\n') },
  { path: '/srv/platform/.env', data: Buffer.from('SECRET=s3cr3t\n') },
];

function manifest(partSize = 1000): DisasterManifest {
  return {
    formatVersion: 1,
    kind: 'disaster',
    backupId: '0b8f6a3e-3c1d-4e5f-9a7b-2c4d6e8f0a1b',
    createdAt: '2026-11-23T02:00:00.000Z',
    tenantvault: { version: '0.1.0', gitCommit: null },
    source: { database: 'platform', serverVersion: '15.20', serverVersionNum: 150020 },
    dump: { tool: 'pg_dump', version: '15.20', format: 'custom', compression: 'none', partSize },
    configFiles: CONFIG.map((c, i) => ({ path: c.path, entry: configEntryName(i + 1, c.path), bytes: c.data.length, sha256: sha256(c.data) })),
  };
}

/** A stand-in for pg_dump's output, delivered in uneven chunks. */
function dumpBytes(size: number): Buffer {
  return Buffer.from(Array.from({ length: size }, (_, i) => (i * 31) % 251));
}

function chunked(data: Buffer, chunk = 333): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunk) chunks.push(data.subarray(at, at + chunk));
  return Readable.from(chunks);
}

async function writeDisaster(dump: Buffer, partSize = 1000): Promise<Buffer> {
  const { stream, summary } = createDisasterArchiveStream({ manifest: manifest(partSize), configData: CONFIG.map((c) => c.data), dump: chunked(dump) });
  const tar = await collect(stream);
  await expect(summary).resolves.toEqual({ bytes: dump.length, sha256: sha256(dump), parts: Math.max(1, Math.ceil(dump.length / partSize)) });
  return tar;
}

describe('disaster archive', () => {
  it('lays out manifest, config files, dump parts and summary in that order', async () => {
    const tar = await writeDisaster(dumpBytes(2500));
    expect((await tarEntries(tar)).map((e) => e.name)).toEqual([
      'disaster-manifest.json',
      'config/001-docker-compose.yml',
      'config/002-.env',
      'dump/000001.part',
      'dump/000002.part',
      'dump/000003.part',
      'dump-summary.json',
    ]);
  });

  it('reads back the manifest, each config file and the exact dump stream', async () => {
    const dump = dumpBytes(2500);
    const seen: Record<string, unknown> = {};
    for await (const entry of readDisasterArchive(Readable.from([await writeDisaster(dump)]))) {
      if (entry.kind === 'manifest') seen.manifest = entry.manifest;
      if (entry.kind === 'config') seen[entry.file.path] = entry.data;
      if (entry.kind === 'dump') seen.dump = await collect(entry.data);
      if (entry.kind === 'summary') seen.summary = entry.summary;
    }
    expect(seen.manifest).toEqual(manifest());
    for (const c of CONFIG) expect(seen[c.path]).toEqual(c.data);
    expect(seen.dump).toEqual(dump);
    expect(seen.summary).toEqual({ bytes: 2500, sha256: sha256(dump), parts: 3 });
  });

  it('is a plain tar: the system tar extracts it and cat of the parts is the dump', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'disaster-tar-'));
    try {
      const dump = dumpBytes(4321);
      writeFileSync(join(dir, 'dr.tar'), await writeDisaster(dump));
      execFileSync('tar', ['-xf', 'dr.tar'], { cwd: dir });
      expect(execFileSync('sh', ['-c', 'cat dump/*.part'], { cwd: dir })).toEqual(dump);
      expect(readFileSync(join(dir, 'config/002-.env'))).toEqual(CONFIG[1].data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails the tar stream with the dump’s error, so a failed pg_dump can never look complete', async () => {
    const failure = new Error('pg_dump exited with code 1');
    const dump = Readable.from(
      (async function* () {
        yield dumpBytes(1500);
        throw failure;
      })(),
    );
    const { stream, summary } = createDisasterArchiveStream({ manifest: manifest(), configData: CONFIG.map((c) => c.data), dump });
    await expect(collect(stream)).rejects.toBe(failure);
    await expect(summary).rejects.toBe(failure);
  });

  it('refuses config data that does not match the manifest', () => {
    expect(() => createDisasterArchiveStream({ manifest: manifest(), configData: [CONFIG[0].data, Buffer.from('changed')], dump: Readable.from([]) })).toThrow(ArchiveError);
  });

  it('detects a changed config file, a dropped part and a missing summary', async () => {
    const entries = await tarEntries(await writeDisaster(dumpBytes(2500)));
    const read = (tar: Buffer) => verifyDisasterArchive(Readable.from([tar]));

    const editedConfig = entries.map((e) => (e.name === 'config/002-.env' ? { ...e, body: Buffer.from('SECRET=other\n') } : e));
    await expect(read(await packTar(editedConfig))).rejects.toMatchObject({ code: 'ARCHIVE.CONTENT_MISMATCH' });

    const droppedPart = entries.filter((e) => e.name !== 'dump/000003.part');
    await expect(read(await packTar(droppedPart))).rejects.toMatchObject({ code: 'ARCHIVE.CONTENT_MISMATCH' });

    const noSummary = entries.filter((e) => e.name !== 'dump-summary.json');
    await expect(read(await packTar(noSummary))).rejects.toMatchObject({ code: 'ARCHIVE.MALFORMED', message: expect.stringContaining('truncated') });

    await expect(read(await packTar([{ name: 'manifest.json', body: Buffer.from('{}') }]))).rejects.toMatchObject({ code: 'ARCHIVE.MALFORMED' });
  });

  it('reads the config bundle without the dump, and writes it out byte for byte, never overwriting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'disaster-config-'));
    try {
      const sources = CONFIG.map((c, i) => {
        const path = join(dir, `source-${i}${i === 1 ? '.env' : '.yml'}`);
        writeFileSync(path, c.data);
        return path;
      });
      const bundle = await readConfigBundle(sources);
      expect(bundle.files.map((f) => f.entry)).toEqual(['config/001-source-0.yml', 'config/002-source-1.env']);

      const { manifest: read, files } = await readDisasterConfig(Readable.from([await writeDisaster(dumpBytes(10))]));
      const written = await writeConfigBundle(join(dir, 'out'), read, files);
      expect(written.map((p) => p.slice(dir.length))).toEqual(['/out/disaster-manifest.json', '/out/001-docker-compose.yml', '/out/002-.env']);
      expect(readFileSync(join(dir, 'out/002-.env'))).toEqual(CONFIG[1].data);
      await expect(writeConfigBundle(join(dir, 'out'), read, files)).rejects.toMatchObject({ code: 'EEXIST' });

      await expect(readConfigBundle([join(dir, 'missing.env')])).rejects.toThrow(/missing\.env: ENOENT/);
      await expect(readConfigBundle([dir])).rejects.toThrow(/not a regular file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** tar-stream's own header encoder (its package exports no types for it). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tarHeaders = require('tar-stream/headers') as { encode(header: { name: string; size: number; mode: number; uid: number; gid: number; mtime: Date; type: 'file' }): Buffer | null };

describe('disaster archive: an entry that expands far beyond what a bundle may hold', () => {
  const GIB = 1024 * 1024 * 1024;
  const MIB = 1024 * 1024;

  /**
   * A stored object of about 1 MB whose plaintext is a manifest listing one 1 GiB config file, that entry's tar header,
   * then 1 GiB of zeros: gzip members concatenated (a valid gzip stream), so nothing near 1 GiB exists at any point
   * while it is built. Sealed like a real backup, so it reaches the reader through decryption and gunzip.
   */
  async function bombObject(claim: { manifestBytes?: number; configBytes: number }): Promise<{ object: Buffer; ring: KeyRing }> {
    const bomb = { ...manifest(), configFiles: [{ path: '/srv/platform/.env', entry: 'config/001-.env', bytes: claim.configBytes, sha256: 'a'.repeat(64) }] };
    const manifestJson = Buffer.from(JSON.stringify(bomb));
    const header = (name: string, size: number) => tarHeaders.encode({ name, size, mode: 0o600, uid: 0, gid: 0, mtime: new Date(0), type: 'file' })!;
    const padding = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);
    const prefix = Buffer.concat([header('disaster-manifest.json', claim.manifestBytes ?? manifestJson.length), manifestJson, padding(manifestJson.length), header('config/001-.env', claim.configBytes)]);
    const zerosMember = gzipSync(Buffer.alloc(MIB), { level: 9 });
    const compressed = Buffer.concat([gzipSync(prefix), ...Array.from({ length: GIB / MIB }, () => zerosMember)]);
    const ring = KeyRing.fromBase64(Buffer.alloc(32, 9).toString('base64'));
    const encrypt = createEncryptStream(ring, { kind: 'platform' }, { compression: 'gzip' });
    return { object: await collect(Readable.from([compressed]).pipe(encrypt)), ring };
  }

  async function refusal(object: Buffer, ring: KeyRing): Promise<{ error: unknown; plaintextRead: number; memoryGrowth: number }> {
    const plain = unsealStream(Readable.from([object]), ring, { kind: 'platform' }).stream;
    let plaintextRead = 0;
    plain.on('data', (chunk: Buffer) => (plaintextRead += chunk.length));
    plain.pause();
    global.gc?.();
    const before = process.memoryUsage();
    let peak = 0;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
    }, 5);
    try {
      const error = await verifyDisasterArchive(plain).then(() => undefined, (e: unknown) => e);
      const now = process.memoryUsage();
      return { error, plaintextRead, memoryGrowth: Math.max(peak, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers) };
    } finally {
      clearInterval(sampler);
    }
  }

  it('refuses a config file claiming 1 GiB before reading its body, with flat memory', async () => {
    const { object, ring } = await bombObject({ configBytes: GIB });
    expect(object.length).toBeLessThan(1.5 * MIB);

    const { error, plaintextRead, memoryGrowth } = await refusal(object, ring);

    expect(error).toBeInstanceOf(ArchiveError);
    expect(error).toMatchObject({ code: 'ARCHIVE.MALFORMED', message: expect.stringContaining(`config/001-.env claims ${GIB} bytes; a configuration file is at most ${MAX_CONFIG_FILE_BYTES}`) });
    expect(plaintextRead).toBeLessThan(64 * MIB); // decompression stopped long before the gigabyte
    expect(memoryGrowth).toBeLessThan(64 * MIB);
  });

  it('refuses a manifest entry whose header claims 1 GiB, with flat memory', async () => {
    const { object, ring } = await bombObject({ manifestBytes: GIB, configBytes: 10 });
    const { error, memoryGrowth } = await refusal(object, ring);
    expect(error).toMatchObject({ code: 'ARCHIVE.MALFORMED', message: expect.stringContaining('disaster-manifest.json is larger than 1048576 bytes') });
    expect(memoryGrowth).toBeLessThan(64 * MIB);
  });

  it('still reads a config file exactly at the size a bundle may hold', async () => {
    const big = Buffer.alloc(MAX_CONFIG_FILE_BYTES, 0x41);
    const withBig = { ...manifest(), configFiles: [{ path: '/srv/big.env', entry: 'config/001-big.env', bytes: big.length, sha256: sha256(big) }] };
    const { stream } = createDisasterArchiveStream({ manifest: withBig, configData: [big], dump: chunked(dumpBytes(10)) });
    const read = await readDisasterConfig(stream);
    expect(read.files[0].data.equals(big)).toBe(true);
  });
});
