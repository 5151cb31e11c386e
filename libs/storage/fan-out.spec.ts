import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { putToAll } from './fan-out';
import { InMemoryStorageAdapter } from './in-memory.adapter';
import { ProviderUnavailableError, StorageError } from './storage.errors';
import { ProviderName, StoragePort } from './storage.port';

const KEY = 'tenants/x/2025/01/object.tvb';
const CHUNK = 64 * 1024;

/** A lazily generated source (never held in memory whole) that remembers how much it has produced. */
function generatedSource(totalBytes: number, opts: { failAfter?: number } = {}) {
  const state = { produced: 0, hash: createHash('sha256') };
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (opts.failAfter !== undefined && state.produced >= opts.failAfter) {
        this.destroy(new Error('source broke'));
        return;
      }
      if (state.produced >= totalBytes) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(CHUNK, totalBytes - state.produced));
      state.produced += chunk.length;
      state.hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, state };
}

async function sha256Of(port: StoragePort, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await port.get(key)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function keysOf(port: StoragePort): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of port.list('')) keys.push(info.key);
  return keys;
}

/** Reads part of the body, then gives up the way a provider that goes away mid-upload does. */
class FailingAdapter extends InMemoryStorageAdapter {
  constructor(
    name: ProviderName,
    private readonly failAfterBytes: number,
  ) {
    super(name);
  }

  override async put(key: string, body: Readable): Promise<{ size: number }> {
    let seen = 0;
    for await (const chunk of body) {
      seen += (chunk as Buffer).length;
      if (seen >= this.failAfterBytes) break; // stops reading, like a dropped connection
    }
    throw new ProviderUnavailableError(this.name, `${this.name}: connection reset after ${seen} bytes`);
  }
}

/** Consumes slowly, and records the furthest the source ever ran ahead of it. */
class SlowAdapter extends InMemoryStorageAdapter {
  consumed = 0;
  maxLag = 0;
  constructor(private readonly source: { produced: number }) {
    super('r2');
  }

  override async put(key: string, body: Readable): Promise<{ size: number }> {
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      this.consumed = size;
      this.maxLag = Math.max(this.maxLag, this.source.produced - this.consumed);
      await sleep(1);
    }
    return { size };
  }
}

describe('putToAll', () => {
  it('writes identical bytes to every target', async () => {
    const targets = [new InMemoryStorageAdapter('local'), new InMemoryStorageAdapter('b2'), new InMemoryStorageAdapter('r2')];
    const { stream, state } = generatedSource(3 * 1024 * 1024 + 17);

    const results = await putToAll(targets, KEY, stream);

    expect(results).toEqual(targets.map((t) => ({ provider: t.name, ok: true, size: 3 * 1024 * 1024 + 17 })));
    const expected = state.hash.digest('hex');
    for (const target of targets) expect(await sha256Of(target, KEY)).toBe(expected);
  });

  it('handles an empty object', async () => {
    const targets = [new InMemoryStorageAdapter('local'), new InMemoryStorageAdapter('b2')];
    const results = await putToAll(targets, KEY, Readable.from([]));
    expect(results.map((r) => r.ok && r.size)).toEqual([0, 0]);
    expect(await targets[1].head(KEY)).toMatchObject({ size: 0 });
  });

  it('drops a target that fails mid-stream and completes the others with identical bytes', async () => {
    const healthy = [new InMemoryStorageAdapter('local'), new InMemoryStorageAdapter('r2')];
    const failing = new FailingAdapter('b2', 200 * 1024);
    const { stream, state } = generatedSource(4 * 1024 * 1024);

    const results = await putToAll([healthy[0], failing, healthy[1]], KEY, stream, { highWaterMark: 64 * 1024 });

    expect(results[0]).toEqual({ provider: 'local', ok: true, size: 4 * 1024 * 1024 });
    expect(results[2]).toEqual({ provider: 'r2', ok: true, size: 4 * 1024 * 1024 });
    expect(results[1]).toMatchObject({ provider: 'b2', ok: false });
    const failure = results[1] as { error: StorageError };
    expect(failure.error).toBeInstanceOf(ProviderUnavailableError);
    expect(failure.error.code).toBe('STORAGE.PROVIDER_UNAVAILABLE');

    const expected = state.hash.digest('hex');
    for (const target of healthy) expect(await sha256Of(target, KEY)).toBe(expected);
    expect(await keysOf(failing)).toEqual([]);
  });

  it('reports a target that refuses at once, and still writes the rest', async () => {
    const refusing = new FailingAdapter('b2', 0);
    refusing.put = async () => {
      throw new ProviderUnavailableError('b2', 'b2: ECONNREFUSED');
    };
    const local = new InMemoryStorageAdapter('local');
    const results = await putToAll([local, refusing], KEY, generatedSource(512 * 1024).stream, { highWaterMark: 16 * 1024 });
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(await local.head(KEY)).toMatchObject({ size: 512 * 1024 });
  });

  it('when the source fails, rejects with its error and leaves nothing visible anywhere', async () => {
    const targets = [new InMemoryStorageAdapter('local'), new InMemoryStorageAdapter('b2'), new FailingAdapter('r2', 10 * 1024 * 1024)];
    const { stream } = generatedSource(4 * 1024 * 1024, { failAfter: 1024 * 1024 });

    await expect(putToAll(targets, KEY, stream)).rejects.toThrow('source broke');

    for (const target of targets) expect(await keysOf(target)).toEqual([]);
  });

  it('reads the source at the pace of the slowest target, never buffering the object', async () => {
    const { stream, state } = generatedSource(16 * 1024 * 1024);
    const slow = new SlowAdapter(state);
    const highWaterMark = 256 * 1024;

    const results = await putToAll([new InMemoryStorageAdapter('local'), slow], KEY, stream, { highWaterMark });

    expect(results.every((r) => r.ok)).toBe(true);
    // Branch buffers (writable + readable side) plus a chunk or two in flight; far below the 16 MiB object.
    expect(slow.maxLag).toBeLessThanOrEqual(2 * highWaterMark + 4 * CHUNK);
  });

  it('stops reading and releases the source when every target has failed', async () => {
    const { stream, state } = generatedSource(64 * 1024 * 1024);
    const results = await putToAll([new FailingAdapter('b2', 100 * 1024), new FailingAdapter('r2', 300 * 1024)], KEY, stream, {
      highWaterMark: 64 * 1024,
    });

    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(stream.destroyed).toBe(true);
    expect(state.produced).toBeLessThan(2 * 1024 * 1024);
  });
});
