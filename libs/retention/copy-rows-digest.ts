import { createHash } from 'node:crypto';

const NEWLINE = 0x0a;
const LANES = 8;

export interface CopyRowsSummary {
  /** Lines, i.e. rows: COPY text escapes newlines inside values. */
  rows: number;
  bytes: number;
  /** The same for the same rows in any order: hex of the lane-wise sum (mod 2^32) of each row's sha256. */
  digest: string;
}

/**
 * Rows, bytes and an order-independent digest of one table's COPY text, fed chunk by chunk. A test restore digests the
 * archive's text on its way into the scratch database and the text read back out of it: equal digests mean the same
 * multiset of rows, whatever order the database hands them back in (a heap scan promises none).
 */
export class CopyRowsDigest {
  private rows = 0;
  private bytes = 0;
  private readonly sum = new Uint32Array(LANES);
  private partial: Buffer[] = [];

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const line = chunk.subarray(start, end + 1);
      this.addRow(this.partial.length > 0 ? Buffer.concat([...this.partial, line]) : line);
      this.partial = [];
      start = end + 1;
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
  }

  /** Call once, after the last chunk; text not ending in a newline counts its last line as a row. */
  result(): CopyRowsSummary {
    if (this.partial.length > 0) {
      this.addRow(Buffer.concat(this.partial));
      this.partial = [];
    }
    return { rows: this.rows, bytes: this.bytes, digest: Buffer.from(this.sum.buffer).toString('hex') };
  }

  private addRow(line: Buffer): void {
    this.rows += 1;
    const hash = createHash('sha256').update(line).digest();
    for (let lane = 0; lane < LANES; lane++) this.sum[lane] = (this.sum[lane] + hash.readUInt32BE(lane * 4)) >>> 0;
  }
}
