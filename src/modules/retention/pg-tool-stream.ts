import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { libpqEnv, ParsedPgUrl, PgConnection, PgTool, PostgresToolError, redactSecrets } from '../../../libs/pg-tools';

/** How much of a tool's stderr is kept for the error message: the reason is at the end. */
const STDERR_TAIL = 4096;

/**
 * A pg_dump or pg_restore run whose stdout is the returned stream: it ends only once the tool exited 0, and is destroyed
 * with the reason from stderr otherwise, so a consumer never takes a cut-off output for a complete one. `input`, when
 * given, is fed to the tool's stdin (and drained if the tool stops reading). Destroying the stream stops the tool.
 * The connection travels in libpq's environment (the password in PGPASSWORD), never in the arguments.
 */
export function pgToolStream(tool: PgTool, args: string[], connection: ParsedPgUrl | PgConnection, input?: Readable): Readable {
  const child = spawn(tool.path, ['--no-password', ...args], { env: libpqEnv(connection), stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const out = new PassThrough();
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => (stderr = (stderr + text).slice(-STDERR_TAIL)));
  if (input) {
    child.stdin!.on('error', () => {
      input.unpipe(child.stdin!);
      input.resume();
    });
    input.once('error', (error) => out.destroy(error));
    input.pipe(child.stdin!);
  }
  child.stdout!.pipe(out, { end: false });
  child.once('error', (error) => out.destroy(new PostgresToolError('PG.TOOL_FAILED', `${tool.name} could not start: ${error.message}`)));
  child.once('close', (code, signal) => {
    if (code === 0) {
      out.end();
      return;
    }
    const reason = stderr.trim().split('\n').map((line) => line.trim()).filter(Boolean).join('; ');
    const status = code === null ? `was stopped by ${signal}` : `exited with code ${code}`;
    out.destroy(new PostgresToolError('PG.TOOL_FAILED', redactSecrets(`${tool.name} ${status}${reason ? `: ${reason}` : ''}`, [connection.password])));
  });
  out.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  return out;
}
