import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load-config';

/**
 * Dockerfile, docker-compose.yml and .dockerignore, checked without a Docker engine (none on the project's
 * machines): parsed here, and the healthcheck commands they declare run against local stand-ins.
 */

const ROOT = join(__dirname, '..', '..');
const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile: just enough of the syntax for these checks (continuation lines, comments, stages).

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) || (!pending && line.trim() === '')) continue; // comments are dropped, even mid-instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending.trim()) logical.push(pending.trim());

  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    const keyword = match[1].toUpperCase();
    const args = match[2];
    if (keyword === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      stages.push({ image: words[0], name: words[1]?.toUpperCase() === 'AS' ? words[2]?.toLowerCase() : undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push({ keyword, args });
    }
  }
  return stages;
}

const instructions = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

/** `KEY=value` pairs of a stage's ENV instructions, `${VAR}` replaced by the build args' defaults (empty if none). */
function stageEnv(stage: Stage): Record<string, string> {
  const args: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const { keyword, args: text } of stage.instructions) {
    if (keyword !== 'ARG' && keyword !== 'ENV') continue;
    for (const word of text.split(/\s+/).filter(Boolean)) {
      const [key, ...rest] = word.split('=');
      const value = rest.join('=').replace(/\$\{(\w+)\}/g, (_, name: string) => env[name] ?? args[name] ?? '');
      if (keyword === 'ARG') args[key] = value;
      else env[key] = value;
    }
  }
  return env;
}

/** Exec form only (`["node", ...]`): no shell in between, so what is tested is what Docker runs. */
function execForm(args: string, what: string): string[] {
  const json = args.replace(/^CMD\s+/i, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`${what} is not in exec form (a JSON array): ${args}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new Error(`${what} is not a JSON array of strings`);
  return parsed as string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Image references

/**
 * Why `ref` is not pinned, or null when it is: an exact tag (at least major.minor, optionally v-prefixed, or a
 * MinIO-style RELEASE timestamp), or a sha256 digest. Never `latest`, a bare major (`postgres:15`) or a variable.
 */
function pinProblem(ref: string | undefined): string | null {
  if (!ref) return 'no image';
  if (ref.includes('$')) return 'set through a variable';
  const [nameAndTag, digest] = ref.split('@');
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) return 'malformed digest';
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const tag = colon > slash ? nameAndTag.slice(colon + 1) : undefined;
  if (tag === 'latest') return 'the latest tag';
  if (digest) return null;
  if (!tag) return 'no tag';
  if (/^v?\d+\.\d+/.test(tag) || /^RELEASE\.\d{4}-\d{2}-\d{2}T/.test(tag)) return null;
  return `tag "${tag}" is not an exact version`;
}

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: unknown[];
  volumes?: unknown[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
}

/** The `condition` of each dependency (the short list form means service_started). */
function dependencies(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, d?.condition ?? 'service_started']));
}

function environment(service: ComposeService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Host ports a `ports` entry publishes (short syntax `[ip:]host:container[/proto]`, ranges, or the long syntax). */
function hostPorts(entry: unknown): number[] {
  if (typeof entry === 'number') return []; // a container port alone: Docker picks a free host port
  if (entry && typeof entry === 'object') {
    const published = (entry as { published?: string | number }).published;
    return published === undefined ? [] : expandRange(String(published));
  }
  const spec = String(entry).replace(/\/\w+$/, '').replace(/^\[[^\]]*\]:/, ''); // protocol; bracketed IPv6 host ip
  const parts = spec.split(':');
  if (parts.length === 1) return [];
  return expandRange(parts[parts.length - 2]);
}

function expandRange(range: string): number[] {
  const [from, to = from] = range.split('-').map(Number);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

// ---------------------------------------------------------------------------------------------------------------
// Running a healthcheck command here

function runCheck(argv: string[], env: Record<string, string>): Promise<number> {
  const [command, ...args] = argv;
  // `node` in the image is this machine's node here; the command is otherwise run as declared.
  const file = command === 'node' ? process.execPath : command;
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 15_000 }, (error) => {
      resolve(error ? (typeof error.code === 'number' ? error.code : -1) : 0);
    });
  });
}

const listen = (server: Server | ReturnType<typeof createHttpServer>) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: Server | ReturnType<typeof createHttpServer>) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A port nothing listens on: one the kernel just handed out and that is closed again. */
async function freePort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await close(server);
  return port;
}

/** Whether `command args` runs here; used to decide, visibly, whether the Docker CLI checks can run. */
function runs(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return result.status === 0;
}

// ---------------------------------------------------------------------------------------------------------------

const ROLES = ['api', 'worker', 'scheduler'] as const;
const DATA_DIR = '/var/lib/tenantvault';

describe('.dockerignore', () => {
  it('keeps VCS history, dependencies, local state and secrets out of the build context', () => {
    const entries = read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/^\/+/, '').replace(/\/+$/, ''));
    for (const required of ['.git', 'node_modules', '.tenantvault', '.env', 'dist']) expect(entries).toContain(required);
  });
});

describe('Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'));
  const final = stages[stages.length - 1];
  const buildStages = stages.slice(0, -1);
  const runCommands = (stage: Stage) => instructions(stage, 'RUN').map((i) => i.args);

  it('is multi-stage: npm ci, then the build, then dev dependencies pruned, all before the final stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = buildStages.find((s) => runCommands(s).some((r) => /\bnpm ci\b/.test(r)));
    expect(build).toBeDefined();
    const commands = runCommands(build!).join('\n');
    const at = (pattern: RegExp) => commands.search(pattern);
    expect(at(/\bnpm ci\b/)).toBeGreaterThanOrEqual(0);
    expect(at(/\bnpm run build\b/)).toBeGreaterThan(at(/\bnpm ci\b/));
    expect(at(/\bnpm prune --omit=dev\b/)).toBeGreaterThan(at(/\bnpm run build\b/));
    // The lockfile is the install's contract: npm install may rewrite it, npm ci may not.
    expect(stages.flatMap(runCommands).filter((r) => /\bnpm (install|i)\b/.test(r))).toEqual([]);
    // The final stage takes the build's output instead of building again.
    const copiesFromBuild = instructions(final, 'COPY').filter((c) => c.args.includes(`--from=${build!.name}`));
    expect(copiesFromBuild.map((c) => c.args)).toEqual(expect.arrayContaining([expect.stringMatching(/\/app\/dist\b/), expect.stringMatching(/\/app\/node_modules\b/)]));
  });

  it('pins every base image to an exact version tag or digest', () => {
    const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));
    const problems = stages.filter((s) => !stageNames.has(s.image.toLowerCase())).map((s) => [s.image, pinProblem(s.image)]);
    expect(problems.filter(([, problem]) => problem !== null)).toEqual([]);
    expect(problems.length).toBeGreaterThan(0);
  });

  it('runs as a non-root user in the final stage', () => {
    const users = instructions(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args.trim().split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
  });

  it('final stage: PostgreSQL 15 client tools, production mode, port 3000, GIT_COMMIT, and a CMD that only starts the service', () => {
    expect(runCommands(final).join('\n')).toMatch(/\bpostgresql-client-15\b/);
    const env = stageEnv(final);
    expect(env.NODE_ENV).toBe('production');
    expect(instructions(final, 'EXPOSE').map((e) => e.args.trim())).toContain('3000');
    expect(instructions(final, 'ARG').map((a) => a.args.trim())).toContain('GIT_COMMIT');
    expect(instructions(final, 'ENV').some((e) => /\bGIT_COMMIT=\$\{?GIT_COMMIT\}?/.test(e.args))).toBe(true);
    const cmd = instructions(final, 'CMD');
    expect(cmd).toHaveLength(1);
    // Migrations are a separate step (`node dist/src/cli.js migrate`), never part of starting the service.
    expect(execForm(cmd[0].args, 'CMD')).toEqual(['node', 'dist/src/main.js']);
  });

  describe('HEALTHCHECK', () => {
    const healthchecks = instructions(final, 'HEALTHCHECK');
    const argv = () => {
      expect(healthchecks).toHaveLength(1);
      const cmdAt = healthchecks[0].args.search(/\bCMD\b/);
      expect(cmdAt).toBeGreaterThanOrEqual(0);
      return execForm(healthchecks[0].args.slice(cmdAt), 'HEALTHCHECK');
    };
    let status = 200;
    const server = createHttpServer((req, res) => {
      res.statusCode = req.url === '/health/live' ? status : 404;
      res.end();
    });
    let port: number;
    beforeAll(async () => {
      port = await listen(server);
    });
    afterAll(() => close(server));

    it('is declared once, in exec form, and passes while GET /health/live answers 200', async () => {
      status = 200;
      expect(await runCheck(argv(), { PORT: String(port) })).toBe(0);
    });

    it('fails when /health/live answers an error', async () => {
      status = 503;
      expect(await runCheck(argv(), { PORT: String(port) })).not.toBe(0);
    });

    it('fails when nothing listens on PORT', async () => {
      expect(await runCheck(argv(), { PORT: String(await freePort()) })).not.toBe(0);
    });
  });
});

describe('docker-compose.yml', () => {
  // merge: compose resolves `<<: *anchor` merge keys; yaml 2 needs to be told to.
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const dockerfileStages = parseDockerfile(read('Dockerfile'));
  const imageEnv = stageEnv(dockerfileStages[dockerfileStages.length - 1]);
  const imageHasHealthcheck = instructions(dockerfileStages[dockerfileStages.length - 1], 'HEALTHCHECK').length > 0;

  /** Services something waits for with service_completed_successfully: one-shot jobs. */
  const oneShots = new Set(Object.values(services).flatMap((s) => Object.entries(dependencies(s)).filter(([, c]) => c === 'service_completed_successfully').map(([name]) => name)));

  it('pins every pulled image to an exact version tag or digest', () => {
    const pulled = Object.entries(services).filter(([, s]) => s.build === undefined);
    expect(pulled.length).toBeGreaterThanOrEqual(5); // postgres, redis, minio, minio-bucket, mailpit
    expect(pulled.map(([name, s]) => [name, s.image, pinProblem(s.image)]).filter(([, , problem]) => problem !== null)).toEqual([]);
  });

  it('gives every long-running service a healthcheck (the image HEALTHCHECK counts only for an HTTP role)', () => {
    const longRunning = Object.keys(services).filter((name) => !oneShots.has(name));
    expect(longRunning).toEqual(expect.arrayContaining(['postgres', 'redis', 'minio', 'mailpit', ...ROLES]));
    const missing = longRunning.filter((name) => {
      const s = services[name];
      if (s.healthcheck?.disable) return true;
      if (s.healthcheck?.test && s.healthcheck.test.length > 0) return false;
      const role = environment(s).APP_ROLE ?? 'all';
      return !(s.build !== undefined && imageHasHealthcheck && (role === 'api' || role === 'all'));
    });
    expect(missing).toEqual([]);
  });

  it('runs migrate as a one-shot that api, worker and scheduler wait for, after the dependencies are healthy', () => {
    const migrate = services.migrate;
    expect(migrate).toBeDefined();
    expect(([] as string[]).concat(migrate.command ?? []).join(' ')).toMatch(/^node dist\/src\/cli\.js migrate$/);
    expect(dependencies(migrate).postgres).toBe('service_healthy');
    for (const role of ROLES) {
      const deps = dependencies(services[role]);
      expect({ role, migrate: deps.migrate, bucket: deps['minio-bucket'] }).toEqual({ role, migrate: 'service_completed_successfully', bucket: 'service_completed_successfully' });
      expect({ role, postgres: deps.postgres, redis: deps.redis, minio: deps.minio }).toEqual({ role, postgres: 'service_healthy', redis: 'service_healthy', minio: 'service_healthy' });
    }
    expect(dependencies(services['minio-bucket']).minio).toBe('service_healthy');
  });

  it('runs api, worker and scheduler from one image with one environment, differing only by APP_ROLE', () => {
    const shared = environment(services.migrate);
    for (const role of ROLES) {
      const s = services[role];
      const { APP_ROLE, ...rest } = environment(s);
      expect({ role, APP_ROLE }).toEqual({ role, APP_ROLE: role });
      expect(rest).toEqual(shared);
      expect(s.build).toEqual(services.migrate.build);
      expect(s.image).toBe(services.migrate.image);
      // One volume for every role: local backups and the customer exports the api serves live there.
      expect(s.volumes).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^[\\w.-]+:${DATA_DIR}$`))]));
    }
    expect(shared.TENANTVAULT_DATA_DIR).toBe(DATA_DIR);
    expect(shared.LOCAL_STORAGE_PATH.startsWith(`${DATA_DIR}/`)).toBe(true);
    // Explicit demo secrets: a generated dev secret would differ per container (and production generates none).
    expect(shared.JWT_SECRET).toMatch(/DEMO/i);
    expect(shared.BACKUP_ENCRYPTION_KEY).toMatch(/DEMO/i);
  });

  it("sets an environment the service's own validation accepts, for every role", () => {
    for (const role of ROLES) {
      const env = { ...imageEnv, ...environment(services[role]) };
      const config = loadConfig(env);
      expect({ role: config.role, nodeEnv: config.nodeEnv, demo: config.demoPlatform, providers: config.storage.providers }).toEqual({
        role,
        nodeEnv: 'production',
        demo: true,
        providers: ['local', 'b2'],
      });
    }
  });

  it('wires the demo credentials consistently between TenantVault, PostgreSQL, MinIO and the bucket job', () => {
    const env = environment(services.migrate);
    const database = new URL(env.DATABASE_URL);
    const postgres = environment(services.postgres);
    expect([database.hostname, decodeURIComponent(database.username), decodeURIComponent(database.password)]).toEqual(['postgres', postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD]);
    expect(new URL(env.REDIS_URL).hostname).toBe('redis');

    const minio = environment(services.minio);
    expect([env.B2_ACCESS_KEY_ID, env.B2_SECRET_ACCESS_KEY]).toEqual([minio.MINIO_ROOT_USER, minio.MINIO_ROOT_PASSWORD]);
    expect(new URL(env.B2_ENDPOINT_URL).host).toBe('minio:9000');

    const bucketJob = services['minio-bucket'];
    const [aliasVar, aliasUrl] = Object.entries(environment(bucketJob)).find(([k]) => k.startsWith('MC_HOST_'))!;
    const alias = new URL(aliasUrl);
    expect([alias.host, decodeURIComponent(alias.username), decodeURIComponent(alias.password)]).toEqual(['minio:9000', minio.MINIO_ROOT_USER, minio.MINIO_ROOT_PASSWORD]);
    expect(bucketJob.command).toEqual(['mb', '--ignore-existing', `${aliasVar.slice('MC_HOST_'.length)}/${env.B2_BUCKET_NAME}`]);
  });

  it('publishes no host port that clashes with a local PostgreSQL (5432) or Redis (6379)', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).flatMap((p) => hostPorts(p).map((port) => [name, port])));
    expect(published).toContainEqual(['api', 3000]);
    expect(published.filter(([, port]) => port === 5432 || port === 6379)).toEqual([]);
  });

  describe('worker and scheduler healthcheck (needs /proc/net/tcp)', () => {
    const argv = (name: 'worker' | 'scheduler') => {
      const test = services[name].healthcheck?.test;
      expect(Array.isArray(test) && test[0]).toBe('CMD');
      return (test as string[]).slice(1);
    };
    const linuxIt = process.platform === 'linux' ? it : it.skip;

    linuxIt('passes while this process holds an established connection to the REDIS_URL port', async () => {
      const server = createTcpServer((socket) => socket.on('error', () => undefined));
      const port = await listen(server);
      const client = await new Promise<Socket>((resolve) => {
        const socket: Socket = new Socket().connect(port, '127.0.0.1', () => resolve(socket));
      });
      try {
        for (const name of ['worker', 'scheduler'] as const) expect([name, await runCheck(argv(name), { REDIS_URL: `redis://127.0.0.1:${port}` })]).toEqual([name, 0]);
      } finally {
        client.destroy();
        await close(server);
      }
    });

    linuxIt('fails when there is no connection to that port', async () => {
      const port = await freePort();
      for (const name of ['worker', 'scheduler'] as const) expect([name, await runCheck(argv(name), { REDIS_URL: `redis://127.0.0.1:${port}` })]).toEqual([name, 1]);
    });
  });

  // `docker compose config` needs the compose plugin only (no engine); when it is missing the check shows as skipped.
  const composeAvailable = runs('docker', ['compose', 'version']);
  (composeAvailable ? it : it.skip)(
    composeAvailable ? 'is accepted by `docker compose config -q`' : 'is accepted by `docker compose config -q` (SKIPPED: no `docker compose` on this machine)',
    () => {
      const result = spawnSync('docker', ['compose', '-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8', timeout: 60_000 });
      if (result.status !== 0) throw new Error(`docker compose config -q failed (${result.status}): ${result.stderr}`);
    },
  );
});
