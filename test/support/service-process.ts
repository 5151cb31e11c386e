import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait-for';

const MAIN = join(__dirname, '../../dist/src/main.js');

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The built service (`npm run build` first) in a process of its own, e.g. a worker that a test can kill with
 * SIGKILL mid-job. Resolves once it printed `<role> running` (or `listening` for api/all).
 */
export async function startServiceProcess(variables: Record<string, string>, role: 'api' | 'worker' | 'scheduler' | 'all'): Promise<ServiceProcess> {
  let output = '';
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...variables, APP_ROLE: role }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const service: ServiceProcess = {
    child,
    output: () => output,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  await waitFor(`the ${role} process to start`, () => {
    if (child.exitCode !== null) throw new Error(`it exited with code ${child.exitCode}: ${output}`);
    return /running|listening on/.test(output);
  }, 60_000);
  return service;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
