import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { ArchiveError } from './archive.errors';

/**
 * Walks a tar stream entry by entry with one entry of look-ahead (a table ends where the next
 * entry is not one of its parts). Errors of the tar parser become ARCHIVE.MALFORMED; errors of
 * the source (a failed download or decryption) pass through unchanged.
 */
export class TarEntryReader {
  private readonly extract = tar.extract();
  private readonly entries: AsyncIterator<tar.Entry>;
  private lookahead: Promise<tar.Entry | null> | undefined;
  private sourceError: unknown;

  constructor(private readonly source: Readable) {
    source.on('error', (err) => {
      this.sourceError = err;
      this.extract.destroy(err);
    });
    source.pipe(this.extract);
    this.entries = this.extract[Symbol.asyncIterator]();
  }

  /** The next entry without consuming it; null at the end of the archive. */
  peek(): Promise<tar.Entry | null> {
    this.lookahead ??= this.entries.next().then(
      (result) => (result.done ? null : result.value),
      (err: unknown) => Promise.reject(this.translate(err)),
    );
    return this.lookahead;
  }

  /** The next entry; its body must be read to the end (body()) before the one after. */
  async take(): Promise<tar.Entry | null> {
    const entry = await this.peek();
    this.lookahead = undefined;
    return entry;
  }

  async *body(entry: tar.Entry): AsyncGenerator<Buffer> {
    try {
      yield* entry;
    } catch (err) {
      throw this.translate(err);
    }
  }

  close(): void {
    this.extract.destroy();
    this.source.destroy();
  }

  private translate(err: unknown): unknown {
    if (err === this.sourceError || err instanceof ArchiveError) return err;
    return new ArchiveError('ARCHIVE.MALFORMED', `Not a readable tar stream: ${(err as Error).message}`, { cause: err });
  }
}
