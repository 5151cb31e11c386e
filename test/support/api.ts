import { Client, QueryResultRow } from 'pg';
import request from 'supertest';
import { TestEnvironment } from './test-app';
import { waitFor } from './wait-for';

export interface VerificationRun {
  id: string;
  status: string;
  total: number;
  verified: number;
  failed: number;
  repaired: number;
  checks: { items: { backupId: string; provider: string; outcome: string; error?: string; repair?: string; repairedFrom?: string }[] };
}

export interface BackupBody {
  id: string;
  type: string;
  tenantId?: string;
  status: string;
  errorMessage?: string;
  sha256: string;
  storedBytes: number;
  locations: { provider: string; key: string; status: string; size?: number; error?: string }[];
}

/** The calls e2e tests make again and again, against one test environment. */
export function apiOf(env: TestEnvironment) {
  const http = () => request(env.app.getHttpServer());
  const admin = () => ({ Authorization: `Bearer ${env.superAdminToken}` });

  async function waitForBackup(id: string, path = `/api/super-admin/backups/${id}`): Promise<BackupBody> {
    return waitFor(`backup ${id} to finish`, async () => {
      const { body } = await http().get(path).set(admin()).expect(200);
      return ['COMPLETED', 'FAILED'].includes(body.status) ? (body as BackupBody) : undefined;
    });
  }

  return {
    http,
    admin,
    tenant: (tenantId: string) => ({ Authorization: `Bearer ${env.tenantToken(tenantId)}` }),
    waitForBackup,
    async backupAndWait(tenantId: string): Promise<BackupBody> {
      const created = await http().post(`/api/super-admin/backups/tenant/${tenantId}`).set(admin()).expect(202);
      return waitForBackup(created.body.id);
    },
    async disasterBackupAndWait(): Promise<BackupBody> {
      const created = await http().post('/api/super-admin/backups/disaster').set(admin()).expect(202);
      return waitForBackup(created.body.id, `/api/super-admin/backups/disaster/${created.body.id}`);
    },
    /** Starts a verification (POST answers 202 with a run) and waits for the run to end. */
    async verifyAndWait(path: string): Promise<VerificationRun> {
      const { body: started } = await http().post(path).set(admin()).expect(202);
      return waitFor(`verification run ${started.id}`, async () => {
        const { body } = await http().get(`/api/super-admin/storage/verification/runs/${started.id}`).set(admin()).expect(200);
        return ['COMPLETED', 'FAILED'].includes(body.status) ? (body as VerificationRun) : undefined;
      });
    },
    /** One statement against the test's catalog database, on a connection of its own. */
    async catalogQuery<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
      const catalog = new Client({ connectionString: env.catalog.url });
      await catalog.connect();
      try {
        return (await catalog.query<R>(sql, params)).rows;
      } finally {
        await catalog.end();
      }
    },
  };
}
