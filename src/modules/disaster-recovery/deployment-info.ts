import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { version } from '../../../package.json';

const run = promisify(execFile);

export interface DeploymentInfo {
  version: string;
  gitCommit: string | null;
}

let fromGit: Promise<string | null> | undefined;

/**
 * What is running, for the disaster manifest: the package version and the commit (GIT_COMMIT as set by the image
 * build, else `git rev-parse HEAD` when this is a checkout with git installed, else null). Looked up once per process.
 */
export async function deploymentInfo(gitCommit: string | undefined): Promise<DeploymentInfo> {
  if (gitCommit) return { version, gitCommit: gitCommit.toLowerCase() };
  fromGit ??= run('git', ['rev-parse', 'HEAD'], { timeout: 5_000 }).then(
    ({ stdout }) => (/^[0-9a-f]{40,64}$/.test(stdout.trim()) ? stdout.trim() : null),
    () => null,
  );
  return { version, gitCommit: await fromGit };
}
