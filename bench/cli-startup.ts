/**
 * `npm run bench:cli`: how long the operator CLI takes to answer `--help`, `--version` and `token`, against a bare
 * `node -e ''` measured in the same run (the floor no CLI can beat on this machine). Target: each under 1 s. Runs the
 * built CLI (dist/src/cli.js), as an operator does; BENCH_CLI_RUNS sets the repetitions (default 15).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const CLI = path.resolve(__dirname, '../../dist/src/cli.js');
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15);
const TARGET_MS = 1000;

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

const CASES: Case[] = [
  { name: "node -e '' (baseline)", args: ['-e', ''] },
  { name: 'tenantvault --help', args: [CLI, '--help'] },
  { name: 'tenantvault --version', args: [CLI, '--version'] },
  // A throwaway secret: token only signs with it, nothing is stored or sent.
  { name: 'tenantvault token', args: [CLI, 'token', '--expires', '5m'], env: { JWT_SECRET: 'bench-cli-secret-bench-cli-secret-0123' } },
];

function timeOnce(testCase: Case): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, testCase.args, { env: { ...process.env, ...testCase.env }, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`${testCase.name} exited ${run.status}: ${run.stderr.trim()}`);
  return ms;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function main(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm run bench:cli does)`);
  const rows = CASES.map((testCase) => {
    timeOnce(testCase); // warm the file-system cache so every case starts equal
    const samples = Array.from({ length: RUNS }, () => timeOnce(testCase)).sort((a, b) => a - b);
    return { name: testCase.name, median: percentile(samples, 0.5), p90: percentile(samples, 0.9), max: samples[samples.length - 1] };
  });
  const baseline = rows[0].median;
  console.log(`CLI start-up, ${RUNS} runs each (ms)`);
  console.log(`${'command'.padEnd(26)}${'median'.padStart(8)}${'p90'.padStart(8)}${'max'.padStart(8)}${'over node'.padStart(11)}`);
  for (const row of rows) {
    const delta = Math.round(row.median - baseline);
    const over = row === rows[0] ? '' : `${delta >= 0 ? '+' : ''}${delta}`;
    console.log(`${row.name.padEnd(26)}${row.median.toFixed(0).padStart(8)}${row.p90.toFixed(0).padStart(8)}${row.max.toFixed(0).padStart(8)}${over.padStart(11)}`);
  }
  const slow = rows.slice(1).filter((row) => row.p90 >= TARGET_MS);
  if (slow.length > 0) {
    console.error(`over the ${TARGET_MS} ms target (p90): ${slow.map((row) => row.name).join(', ')}`);
    process.exitCode = 1;
  }
}

main();
