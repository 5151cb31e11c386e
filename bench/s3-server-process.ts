/**
 * The bench's S3 server (s3rver, as provider b2) in a process of its own, as an S3 server on the machine would be, so
 * that its work is not charged to the process being measured. Run directly, it prints its endpoint as one JSON line
 * and serves until SIGTERM.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startS3Server } from '../test/support/s3-server';

export interface S3Endpoint {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export async function startS3ServerProcess(bucket: string): Promise<S3Endpoint & { stop(): Promise<void> }> {
  const child = spawn(process.execPath, [__filename, bucket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, 'line'), exited.then(() => Promise.reject(new Error('the S3 server process ended before it was ready')))])) as [string];
  return {
    ...(JSON.parse(first) as S3Endpoint),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

if (require.main === module) {
  startS3Server({ bucket: process.argv[2] }).then(
    (s3) => {
      const endpoint: S3Endpoint = { endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
      process.stdout.write(`${JSON.stringify(endpoint)}\n`);
      process.once('SIGTERM', () => void s3.dispose().then(() => process.exit(0)));
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
