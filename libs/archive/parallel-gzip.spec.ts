import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { ParallelGzip } from './parallel-gzip';

const BLOCK = 64 * 1024;
const realGzip = promisify(gzip);

/** Compressible bytes that differ from block to block (rows of text), so a member out of place changes the output. */
function rows(bytes: number): Buffer {
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += `${i}\trow ${i % 97} of tenant\t${(i * 7919) % 10007}\n`;
  return Buffer.from(text.slice(0, bytes));
}

/** Feeds `data` in chunks of `chunk` bytes, so blocks are cut across chunk boundaries. */
function chunked(data: Buffer, chunk: number): Readable {
  return Readable.from((function* () {
    for (let offset = 0; offset < data.length; offset += chunk) yield data.subarray(offset, offset + chunk);
  })());
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Runs a command with `input` on stdin and returns its stdout; rejects on a non-zero exit. */
function run(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${command} exited with ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

/** The reader docs/FORMAT.md gives for other languages: Python's gzip module, streaming, all members. */
const PYTHON_READER = 'import gzip, shutil, sys; shutil.copyfileobj(gzip.GzipFile(fileobj=sys.stdin.buffer), sys.stdout.buffer)';

/**
 * Resolves once nothing can move without a reader: every deflate begun has finished, and the input side is held
 * (the writer waits for 'drain') or has been given everything.
 */
async function stalled(gz: ParallelGzip, counts: { started: number; done: number }): Promise<void> {
  while (!((gz.writableNeedDrain || gz.writableEnded) && counts.started === counts.done)) await new Promise((resolve) => setImmediate(resolve));
}

describe('ParallelGzip', () => {
  it.each([
    ['empty input', 0],
    ['one byte', 1],
    ['exactly one block', BLOCK],
    ['one block and one byte', BLOCK + 1],
    ['several blocks', 3 * BLOCK + 5],
  ].flatMap(([name, size]) => [
    // Small chunks are gathered into blocks; a chunk holding whole blocks is cut without copying.
    [name, size, 'in chunks of 7,000 bytes', 7_000],
    [name, size, 'in one chunk', Math.max(1, size as number)],
  ]))('%s (%s bytes) %s: one gzip member per block, in order, read back by gunzip, Python and Node', async (_case, size, _how, chunk) => {
    const input = rows(size as number);
    const output = await collect(chunked(input, chunk as number).pipe(new ParallelGzip({ level: 6, threads: 2, blockSize: BLOCK })));

    const blocks = Math.max(1, Math.ceil((size as number) / BLOCK));
    const members = Array.from({ length: blocks }, (_, i) => gzipSync(input.subarray(i * BLOCK, (i + 1) * BLOCK), { level: 6 }));
    expect(output.equals(Buffer.concat(members))).toBe(true);

    expect((await run('gunzip', ['-c'], output)).equals(input)).toBe(true);
    expect((await run('python3', ['-c', PYTHON_READER], output)).equals(input)).toBe(true);
    expect((await collect(Readable.from([output]).pipe(createGunzip()))).equals(input)).toBe(true);
  });

  it('keeps the input order when blocks finish out of order', async () => {
    const input = rows(40 * BLOCK + 123);
    let finishedOutOfOrder = false;
    let lastFinished = -1;
    let next = 0;
    const gz = new ParallelGzip({
      level: 1,
      threads: 4,
      blockSize: BLOCK,
      maxBlocksInFlight: 8,
      // Scheduling jitter: each block's deflate is held for a random while, so later blocks often finish first.
      compressBlock: async (block, level) => {
        const index = next++;
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 15)));
        const member = await realGzip(block, { level });
        if (index < lastFinished) finishedOutOfOrder = true;
        lastFinished = index;
        return member;
      },
    });
    const output = await collect(chunked(input, 50_000).pipe(gz));
    expect(finishedOutOfOrder).toBe(true);
    expect((await collect(Readable.from([output]).pipe(createGunzip()))).equals(input)).toBe(true);
  });

  it.each([
    ['in chunks smaller than a block', 16 * 1024],
    ['as one chunk of sixty blocks', 60 * BLOCK],
  ])('holds no more than maxBlocksInFlight blocks, and takes no more in, while the reader is held back: input %s', async (_case, chunk) => {
    const bound = 3;
    const input = randomBytes(60 * BLOCK); // incompressible: each member is as large as its block
    const counts = { produced: 0, started: 0, done: 0, mostInFlight: 0 };
    const gz = new ParallelGzip({
      level: 1,
      threads: 2,
      blockSize: BLOCK,
      maxBlocksInFlight: bound,
      compressBlock: async (block, level) => {
        counts.started++;
        counts.mostInFlight = Math.max(counts.mostInFlight, gz.blocksInFlight);
        const member = await realGzip(block, { level });
        counts.done++;
        return member;
      },
    });
    const source = Readable.from((function* () {
      for (let offset = 0; offset < input.length; offset += chunk) {
        counts.produced += chunk;
        yield input.subarray(offset, offset + chunk);
      }
    })());
    const piped = pipeline(source, gz);

    // Nothing reads gz yet: the pipeline runs until the bound and the buffered output stop it.
    await stalled(gz, counts);
    expect(counts.mostInFlight).toBeLessThanOrEqual(bound);
    // Deflated while held back: the blocks in flight and about one block of output waiting for the reader.
    expect(counts.started).toBeLessThanOrEqual(bound + 2);
    // Read from the source: those, a block being filled, and the pipe's own buffers (one chunk).
    expect(counts.produced).toBeLessThanOrEqual((bound + 3) * BLOCK + chunk);

    const hash = createHash('sha256');
    await Promise.all([piped, pipeline(gz, createGunzip(), async function* (plain: AsyncIterable<Buffer>) {
      for await (const part of plain) hash.update(part);
    })]);
    expect(counts.mostInFlight).toBeLessThanOrEqual(bound);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(input).digest('hex'));
  });

  it('never deflates more blocks at once than its threads, across every stream given the same number', async () => {
    let running = 0;
    let most = 0;
    const compressBlock = async (block: Buffer, level: number) => {
      most = Math.max(most, ++running);
      try {
        return await realGzip(block, { level });
      } finally {
        running--;
      }
    };
    const input = rows(10 * BLOCK);
    const streams = [0, 1, 2].map(() => chunked(input, 100_000).pipe(new ParallelGzip({ level: 1, threads: 2, blockSize: BLOCK, maxBlocksInFlight: 4, compressBlock })));
    const outputs = await Promise.all(streams.map(collect));
    expect(most).toBe(2);
    for (const output of outputs) expect(gunzipSync(output).equals(input)).toBe(true);
  });

  it('fails with the error of a block that could not be deflated', async () => {
    const gz = new ParallelGzip({ blockSize: BLOCK, compressBlock: async () => Promise.reject(new Error('zlib ran out of memory')) });
    await expect(collect(chunked(rows(2 * BLOCK), 10_000).pipe(gz))).rejects.toThrow('zlib ran out of memory');
  });
});
