import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DEMO_TENANTS } from '../../libs/demo-platform';
import { S3CompatibleAdapter, sidecarKeyFor } from '../../libs/storage';
import { DomainEvent, DomainEvents } from '../../src/common/domain-events';
import { startTestEnvironment, TestEnvironment } from '../support/test-app';
import { apiOf, BackupBody } from '../support/api';
import { pollRun, readAll, s3Adapter, sha256 } from './retention-fixtures';

const A = DEMO_TENANTS.A.id;
const B = DEMO_TENANTS.B.id;

interface Check {
  backupId: string;
  provider: string;
  outcome: string;
  error?: string;
  repair?: string;
  repairedFrom?: string;
}

interface Run {
  id: string;
  status: string;
  scope: string;
  total: number;
  checked: number;
  verified: number;
  failed: number;
  repaired: number;
  checks: { items: Check[]; total: number };
}

describe('verification as jobs, with repair (real PostgreSQL, Redis, local disk and an S3 server)', () => {
  let env: TestEnvironment;
  let api: ReturnType<typeof apiOf>;
  let s3: S3CompatibleAdapter;
  let backup: BackupBody;
  let key: string;
  const events: DomainEvent[] = [];

  const verify = async (backupId: string, query = ''): Promise<Run> => {
    const started = await api.http().post(`/api/super-admin/backups/${backupId}/verify${query}`).set(api.admin()).expect(202);
    expect(started.body).toMatchObject({ status: expect.stringMatching(/PENDING|RUNNING/), scope: 'BACKUP', backupId });
    return pollRun<Run>(env, `/api/super-admin/storage/verification/runs/${started.body.id}`);
  };
  const localBytes = () => readFile(join(env.localPath, key));
  const s3Bytes = async () => readAll(await s3.get(key));
  const flip = (bytes: Buffer) => {
    const copy = Buffer.from(bytes);
    copy[Math.floor(copy.length / 2)] ^= 0x01;
    return copy;
  };
  const locationsOf = async (backupId: string) => {
    const { body } = await api.http().get(`/api/super-admin/backups/${backupId}`).set(api.admin()).expect(200);
    return { verificationStatus: body.verificationStatus as string, copies: Object.fromEntries(body.locations.map((l: { provider: string; verificationStatus: string }) => [l.provider, l.verificationStatus])) };
  };
  const integrityEvents = () => events.filter((e) => e.type === 'integrity.failure') as Extract<DomainEvent, { type: 'integrity.failure' }>[];

  beforeAll(async () => {
    env = await startTestEnvironment({ s3: true });
    api = apiOf(env);
    s3 = s3Adapter(env);
    env.app.get(DomainEvents).on('integrity.failure', (e) => void events.push(e));
    backup = await api.backupAndWait(A);
    expect(backup.status).toBe('COMPLETED');
    key = backup.locations[0].key;
  });

  afterAll(async () => {
    s3?.destroy();
    await env?.close();
  });

  beforeEach(() => {
    events.length = 0;
  });

  it('answers 202 with a run that a client polls to its end, each copy checked', async () => {
    const run = await verify(backup.id);
    expect(run).toMatchObject({ status: 'COMPLETED', total: 1, checked: 1, verified: 1, failed: 0, repaired: 0 });
    expect(run.checks.items.map((c) => [c.provider, c.outcome]).sort()).toEqual([['b2', 'OK'], ['local', 'OK']]);
    expect(run.checks.total).toBe(2);
    expect(await locationsOf(backup.id)).toEqual({ verificationStatus: 'VERIFIED', copies: { local: 'VERIFIED', b2: 'VERIFIED' } });
    expect(integrityEvents()).toEqual([]);
  });

  it('finds a byte flipped in the S3 copy and repairs it from the local copy: both then have the recorded sha256', async () => {
    await s3.put(key, Readable.from([flip(await s3Bytes())]));
    expect(sha256(await s3Bytes())).not.toBe(backup.sha256);

    const run = await verify(backup.id);

    expect(run).toMatchObject({ status: 'COMPLETED', verified: 1, failed: 0, repaired: 1 });
    expect(run.checks.items.find((c) => c.provider === 'b2')).toMatchObject({ outcome: 'DAMAGED', repair: 'REPAIRED', repairedFrom: 'local' });
    expect(run.checks.items.find((c) => c.provider === 'local')).toMatchObject({ outcome: 'OK' });
    expect(sha256(await s3Bytes())).toBe(backup.sha256);
    expect(sha256(await localBytes())).toBe(backup.sha256);
    expect(await locationsOf(backup.id)).toEqual({ verificationStatus: 'VERIFIED', copies: { local: 'VERIFIED', b2: 'VERIFIED' } });
    expect(integrityEvents()).toEqual([expect.objectContaining({ backupId: backup.id, provider: 'b2', reason: expect.stringContaining('repaired from local') })]);
  });

  it('re-creates a copy deleted at one provider, sidecar included', async () => {
    await rm(join(env.localPath, key));
    await rm(join(env.localPath, sidecarKeyFor(key)));

    const run = await verify(backup.id);

    expect(run.checks.items.find((c) => c.provider === 'local')).toMatchObject({ outcome: 'MISSING', repair: 'REPAIRED', repairedFrom: 'b2' });
    expect(sha256(await localBytes())).toBe(backup.sha256);
    expect(JSON.parse(await readFile(join(env.localPath, sidecarKeyFor(key)), 'utf8'))).toMatchObject({ backupId: backup.id, sha256: backup.sha256 });
    expect(await locationsOf(backup.id)).toMatchObject({ verificationStatus: 'VERIFIED' });
  });

  it('checks one provider when asked, and still repairs it from a copy it checks first', async () => {
    await writeFile(join(env.localPath, key), (await localBytes()).subarray(0, 1000));
    const run = await verify(backup.id, '?provider=local');
    expect(run.checks.items.map((c) => [c.provider, c.outcome, c.repair])).toEqual([['local', 'DAMAGED', 'REPAIRED'], ['b2', 'OK', undefined]]);
    expect(sha256(await localBytes())).toBe(backup.sha256);
  });

  it('marks a backup whose copies are all damaged as failed verification and announces INTEGRITY_FAILURE', async () => {
    const other = await api.backupAndWait(B);
    const otherKey = other.locations[0].key;
    await writeFile(join(env.localPath, otherKey), flip(await readFile(join(env.localPath, otherKey))));
    await s3.put(otherKey, Readable.from([flip(await readAll(await s3.get(otherKey)))]));

    const run = await verify(other.id);

    expect(run).toMatchObject({ status: 'COMPLETED', verified: 0, failed: 1, repaired: 0 });
    expect(run.checks.items.every((c) => c.outcome === 'DAMAGED' && c.repair === undefined)).toBe(true);
    expect(await locationsOf(other.id)).toEqual({ verificationStatus: 'FAILED', copies: { local: 'FAILED', b2: 'FAILED' } });
    expect(integrityEvents().map((e) => [e.backupId, e.provider, /not repaired: no good copy left/.test(e.reason)]).sort()).toEqual([
      [other.id, 'b2', true],
      [other.id, 'local', true],
    ]);
  });

  it('verifies every recent backup in one run, answering a second request with the run already going', async () => {
    const first = await api.http().post('/api/super-admin/storage/verify').set(api.admin()).expect(202);
    const second = await api.http().post('/api/super-admin/storage/verify').set(api.admin()).expect(202);
    expect(first.body).toMatchObject({ scope: 'RECENT', days: 7 });
    const done = await pollRun<Run>(env, `/api/super-admin/storage/verification/runs/${first.body.id}`);
    if (second.body.id !== first.body.id) await pollRun<Run>(env, `/api/super-admin/storage/verification/runs/${second.body.id}`);
    expect(['PENDING', 'RUNNING', 'COMPLETED']).toContain(second.body.status);
    expect(done).toMatchObject({ status: 'COMPLETED', total: 2, checked: 2, verified: 1, failed: 1 });
    expect(done.checks.total).toBe(4);
    const state = await api.http().get('/api/super-admin/storage/verification?days=7').set(api.admin()).expect(200);
    expect(state.body.counts).toEqual({ VERIFIED: 1, FAILED: 1, UNVERIFIED: 0 });
  });

  it('answers 400, 404 and 403 for bad requests, never starting anything', async () => {
    const badProvider = await api.http().post(`/api/super-admin/backups/${backup.id}/verify?provider=ftp`).set(api.admin()).expect(400);
    expect(badProvider.body.message).toContain('provider');
    const unconfigured = await api.http().post(`/api/super-admin/backups/${backup.id}/verify?provider=r2`).set(api.admin()).expect(400);
    expect(unconfigured.body.message).toContain('provider');
    await api.http().post('/api/super-admin/backups/0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a/verify').set(api.admin()).expect(404);
    await api.http().post(`/api/super-admin/backups/disaster/${backup.id}/verify`).set(api.admin()).expect(404);
    const badRun = await api.http().get('/api/super-admin/storage/verification/runs/nope').set(api.admin()).expect(400);
    expect(badRun.body.message).toContain('runId');
    await api.http().get('/api/super-admin/storage/verification/runs/0f9c3c0e-5b6e-4c1e-9d7a-2b1f0c9e8d7a').set(api.admin()).expect(404);
    await api.http().post('/api/super-admin/storage/verify').set({ Authorization: `Bearer ${env.tenantToken(A)}` }).expect(403);
  });
});
