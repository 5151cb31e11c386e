import { availableParallelism } from 'node:os';
import { Transform, TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

/**
 * Plaintext bytes per gzip member. Each member starts with an empty dictionary and costs 18 bytes of framing: at
 * 1 MiB that is about 0.2% more output than one stream (docs/BENCHMARKS.md), for a few MiB of memory in flight.
 */
export const DEFAULT_BLOCK_SIZE = 1024 * 1024;

export interface ParallelGzipOptions {
  /** zlib level 1–9; 6 (gzip's default) when omitted. */
  level?: number;
  /**
   * Blocks deflated at once in this process, by all the streams given the same number (COMPRESSION_THREADS); the
   * machine's cores by default. Each deflate occupies one thread of libuv's pool (UV_THREADPOOL_SIZE, 4 by default).
   */
  threads?: number;
  blockSize?: number;
  /** Blocks taken in and not yet passed on (being deflated, or done and waiting for an earlier one); 2 × threads by default. */
  maxBlocksInFlight?: number;
  /** Deflates one block into one complete gzip member. Tests inject scheduling jitter here. */
  compressBlock?: (block: Buffer, level: number) => Promise<Buffer>;
}

const gzipAsync = promisify(gzip);
/** 64 KiB output chunks: a 1 MiB block crosses between the main thread and the pool a few times, not twenty. */
const deflateBlock = (block: Buffer, level: number) => gzipAsync(block, { level, chunkSize: 64 * 1024 });

/** Counts deflates running in the process, so concurrent backups share the cores and the pool keeps threads for file I/O. */
class CompressionSlots {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/** One set of slots per thread count: the service configures one (COMPRESSION_THREADS), so the whole process shares it. */
const slotsByThreads = new Map<number, CompressionSlots>();
function slotsFor(threads: number): CompressionSlots {
  let slots = slotsByThreads.get(threads);
  if (!slots) slotsByThreads.set(threads, (slots = new CompressionSlots(threads)));
  return slots;
}

/**
 * gzip on every core: the input is cut into blocks that are deflated independently on libuv's thread pool, each into
 * a complete gzip member, and the members are written in input order. A concatenation of members is one valid gzip
 * file (RFC 1952 §2.2), which `gunzip`, Node's createGunzip and Python's gzip module read as a whole
 * (docs/FORMAT.md). At most `maxBlocksInFlight` blocks are held at once, and no block is taken in while a block's
 * worth of output waits for the reader, so memory stays flat whatever the input. An empty input gives one empty
 * member, because an empty file is not gzip.
 */
export class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly blockSize: number;
  private readonly maxInFlight: number;
  private readonly slots: CompressionSlots;
  private readonly compressBlock: (block: Buffer, level: number) => Promise<Buffer>;
  /** Blocks in input order; `member` is set once deflated. */
  private readonly queue: { member?: Buffer }[] = [];
  private block: Buffer | undefined;
  private filled = 0;
  private blocks = 0;
  /** Wakes the input side (see nextEvent). */
  private wake: (() => void) | undefined;

  constructor(options: ParallelGzipOptions = {}) {
    const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    super({ readableHighWaterMark: blockSize });
    const threads = options.threads ?? availableParallelism();
    this.level = options.level ?? 6;
    this.blockSize = blockSize;
    this.maxInFlight = options.maxBlocksInFlight ?? 2 * threads;
    if (![threads, this.blockSize, this.maxInFlight].every((n) => Number.isSafeInteger(n) && n >= 1)) {
      throw new RangeError('threads, blockSize and maxBlocksInFlight must be positive integers');
    }
    this.slots = slotsFor(threads);
    this.compressBlock = options.compressBlock ?? deflateBlock;
  }

  /** Blocks taken in and not yet passed on. */
  get blocksInFlight(): number {
    return this.queue.length;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.takeIn(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(() => callback(), callback);
  }

  /** The reader wants more: a block waiting for room may go. */
  override _read(size: number): void {
    this.wakeUp();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.wakeUp();
    callback(error);
  }

  private async takeIn(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length && !this.destroyed; ) {
      if (this.filled === 0 && chunk.length - offset >= this.blockSize) {
        // A whole block inside the chunk is deflated where it lies, without a copy.
        await this.submit(chunk.subarray(offset, offset + this.blockSize));
        offset += this.blockSize;
        continue;
      }
      this.block ??= Buffer.allocUnsafe(this.blockSize);
      const copied = chunk.copy(this.block, this.filled, offset);
      this.filled += copied;
      offset += copied;
      if (this.filled === this.blockSize) await this.submit(this.takeBlock());
    }
  }

  private async finish(): Promise<void> {
    if (this.filled > 0 || this.blocks === 0) await this.submit(this.takeBlock());
    while (this.queue.length > 0 && !this.destroyed) await this.nextEvent();
  }

  /** The bytes gathered so far, as a block; the next ones go to a fresh buffer. */
  private takeBlock(): Buffer {
    const block = this.block ? this.block.subarray(0, this.filled) : Buffer.alloc(0);
    this.block = undefined;
    this.filled = 0;
    return block;
  }

  /** Hands a block to a compression slot once fewer than maxInFlight blocks are held and the reader keeps up. */
  private async submit(block: Buffer): Promise<void> {
    while ((this.queue.length >= this.maxInFlight || this.readableLength >= this.readableHighWaterMark) && !this.destroyed) await this.nextEvent();
    if (this.destroyed) return;
    this.blocks++;
    const entry: { member?: Buffer } = {};
    this.queue.push(entry);
    this.slots.run(() => this.compressBlock(block, this.level)).then(
      (member) => {
        entry.member = member;
        this.passReady();
      },
      (error: Error) => this.destroy(error),
    );
  }

  /** Pushes the deflated members at the head of the queue, in order. */
  private passReady(): void {
    if (this.destroyed) return;
    let passed = false;
    while (this.queue[0]?.member) {
      this.push(this.queue.shift()!.member);
      passed = true;
    }
    if (passed) this.wakeUp();
  }

  /** Resolves when a member is passed on, the reader asks for more, or the stream is destroyed. */
  private nextEvent(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
