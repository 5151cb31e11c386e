import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { Client } from 'pg';

/** Who runs the CLI: --actor, else the operating-system user. Recorded as `cli:<name>`. */
export function cliActor(actor?: string): string {
  const name = actor?.trim() || safeUserName();
  return `cli:${name}`;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'operator';
  }
}

export interface CliAuditEntry {
  actor: string;
  action: string;
  targetType: string;
  targetId?: string;
  outcome: 'SUCCESS' | 'FAILURE';
  detail: Record<string, unknown>;
}

/**
 * Writes what a CLI command did into the catalog's audit trail, when there is a catalog to write to: on the day the
 * catalog is gone, `dr restore` runs without one, and says so instead of failing. Returns whether it was recorded.
 */
export async function recordCliAction(databaseUrl: string, entry: CliAuditEntry): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000, application_name: 'tenantvault-cli' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>(`select to_regclass('audit_records') is not null as ok`);
    if (!rows[0].ok) return false;
    await client.query(
      `insert into audit_records (id, actor, actor_role, action, target_type, target_id, outcome, detail, at) values ($1, $2, 'operator', $3, $4, $5, $6, $7, now())`,
      [randomUUID(), entry.actor, entry.action, entry.targetType, entry.targetId ?? null, entry.outcome, JSON.stringify(entry.detail)],
    );
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
