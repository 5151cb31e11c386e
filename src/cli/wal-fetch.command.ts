import { fetchWalFile } from '../../libs/pitr/wal-archive';
import { PitrError } from '../../libs/pitr/pitr.errors';
import { walCliContext } from './wal-cli-config';

/**
 * PostgreSQL reads restore_command's exit status: non-zero means "not in the archive" and recovery ends there, but a
 * status above 125 makes it abort. A file the providers could not serve (down, damaged) must not end recovery early
 * at a point nobody asked for, so that is what it gets.
 */
export const WAL_FETCH_ABORT_RECOVERY = 255;

/**
 * `wal fetch <file> <path>`: PostgreSQL's restore_command (`tenantvault wal fetch %f %p`). Reads the file from the
 * first provider holding an intact copy (primary first), decrypts it, checks it against its sidecar's sha256 and
 * writes it to <path>. Exit 1 when no provider has it (the end of the archive, or a timeline that does not exist);
 * 255 when a provider could not answer or only damaged copies were found (recovery stops rather than end early).
 */
export async function walFetchCommand(fileName: string, path: string, options: { envFile?: string }): Promise<void> {
  // Whatever else goes wrong (configuration, a crash), recovery must stop, not take it for the end of the archive.
  process.once('uncaughtException', (error) => {
    console.error(`wal fetch ${fileName}: ${error.message}`);
    process.exit(WAL_FETCH_ABORT_RECOVERY);
  });
  try {
    const { adapters, ring } = await walCliContext(options.envFile);
    const fetched = await fetchWalFile(fileName, path, adapters, ring);
    const problems = fetched.skipped.filter((s) => s.reason !== 'not archived there');
    if (problems.length > 0) console.error(`wal fetch ${fileName}: read from ${fetched.provider} (${problems.map((s) => `${s.provider}: ${s.reason}`).join('; ')})`);
  } catch (error) {
    if (error instanceof PitrError && error.code === 'PITR.WAL_NOT_ARCHIVED') {
      // PostgreSQL asks for files that do not exist as a matter of course (the next segment, newer timelines).
      process.exitCode = 1;
      return;
    }
    console.error(`wal fetch ${fileName}: ${(error as Error).message}`);
    process.exitCode = error instanceof PitrError && error.code === 'PITR.BAD_WAL_NAME' ? 1 : WAL_FETCH_ABORT_RECOVERY;
  }
}
