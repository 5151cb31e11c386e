import { createHash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';

/** Passes bytes through unchanged and counts them; put one at each stage whose size the catalog records. */
export class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/** Passes bytes through unchanged and hashes them; `digest()` is the hex sha256 once the input has ended. */
export class Sha256Meter extends Transform {
  private readonly hash = createHash('sha256');
  private hex: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.hex = this.hash.digest('hex');
    callback();
  }

  digest(): string {
    if (this.hex === undefined) throw new Error('Sha256Meter.digest() called before the stream ended');
    return this.hex;
  }
}
