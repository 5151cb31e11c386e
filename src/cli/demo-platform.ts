import { Client } from 'pg';
import { seedDemoPlatform } from '../../libs/demo-platform';
import { ensureDatabaseExists } from '../database/migrate';

/**
 * With no SOURCE_DATABASE_URL, TenantVault protects a demo platform database so that a fresh machine has
 * something to back up. It is created and seeded once; an existing one is left alone.
 */
export async function ensureDemoPlatform(url: string): Promise<boolean> {
  const created = await ensureDatabaseExists(url);
  if (!created) return false;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await seedDemoPlatform(client);
  } finally {
    await client.end();
  }
  return true;
}
