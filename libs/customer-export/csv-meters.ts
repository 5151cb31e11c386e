import { Transform, TransformCallback } from 'node:stream';

export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Writes the UTF-8 byte order mark, then passes the bytes through: spreadsheet programs take the file as UTF-8. */
export class Utf8BomPrefix extends Transform {
  private started = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.started) this.start();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.started) this.start();
    callback();
  }

  private start(): void {
    this.started = true;
    this.push(UTF8_BOM);
  }
}

const QUOTE = 0x22;
const LF = 0x0a;

/**
 * Passes CSV bytes through and counts its records: line feeds outside quoted fields. A doubled quote inside a quoted
 * field closes and reopens it, so tracking quotes alone is enough; both bytes are ASCII, which no byte of a UTF-8
 * multi-byte character can be. PostgreSQL ends every record, the last one included, with a line feed.
 */
export class CsvRecordCounter extends Transform {
  records = 0;
  private inQuotes = false;
  private lastByte: number | null = null;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // Each search starts where the previous one of its kind stopped: one pass over the chunk.
    let quote = chunk.indexOf(QUOTE);
    let lf = chunk.indexOf(LF);
    for (;;) {
      if (this.inQuotes) {
        if (quote === -1) break;
        this.inQuotes = false;
        if (lf !== -1 && lf < quote) lf = chunk.indexOf(LF, quote + 1);
        quote = chunk.indexOf(QUOTE, quote + 1);
        continue;
      }
      for (; lf !== -1 && (quote === -1 || lf < quote); lf = chunk.indexOf(LF, lf + 1)) this.records++;
      if (quote === -1) break;
      this.inQuotes = true;
      quote = chunk.indexOf(QUOTE, quote + 1);
    }
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
    callback(null, chunk);
  }

  /** The input ended after a whole record (or was empty), not inside a quoted field or a line. */
  get complete(): boolean {
    return !this.inQuotes && (this.lastByte === null || this.lastByte === LF);
  }
}
