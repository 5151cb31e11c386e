import { Inject, Injectable } from '@nestjs/common';
import { Client } from 'pg';
import { Readable } from 'node:stream';
import { ArchiveError, ManifestTable, readArchive } from '../../../libs/archive';
import { unsealStream } from '../../../libs/archive/sealed-archive';
import { CryptoError, KeyRing } from '../../../libs/crypto';
import { ObjectNotFoundError } from '../../../libs/storage';
import type { ProviderName } from '../../../libs/storage/storage.port';
import { checkSchemaCompatibility, discoverTenantGraph, TenantGraph } from '../../../libs/tenant-data';
import { DomainEvents } from '../../common/domain-events';
import { KEY_RING } from '../../common/key-ring.token';
import { APP_CONFIG, AppConfig } from '../../config';
import { BackupLocation, BackupRecord, LocationStatus } from '../backups';
import { PlatformDatabase } from '../platform';
import { StorageService } from '../storage';

export interface RestoreValidation {
  valid: boolean;
  /** The provider whose copy passed every check; null when none did. */
  provider: ProviderName | null;
  /** One line per problem. On a valid result: the copies that failed before the one chosen. */
  problems: string[];
}

type CopyCheck = { ok: true } | { ok: false; problem: string } | { ok: false; schemaProblems: string[] };

/**
 * Checks, without writing anything, that a tenant backup can be restored now (SPEC §7): the object is at the
 * provider, decrypts and authenticates, its archive matches its summary, its sha256 matches the catalog, and its
 * tables fit the platform's current schema. Without a requested provider, the first copy that passes wins.
 */
@Injectable()
export class RestoreValidator {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEY_RING) private readonly keyRing: KeyRing,
    private readonly storage: StorageService,
    private readonly platform: PlatformDatabase,
    private readonly events: DomainEvents,
  ) {}

  async validate(backup: BackupRecord, provider?: ProviderName): Promise<RestoreValidation> {
    const copies = this.copiesToTry(backup, provider);
    if (copies.length === 0) {
      return { valid: false, provider: null, problems: [provider ? `no stored copy at ${provider}` : 'no stored copy at any configured provider'] };
    }
    const graph = await this.currentGraph();
    const problems: string[] = [];
    for (const location of copies) {
      const check = await this.checkCopy(backup, location, graph);
      if (check.ok) return { valid: true, provider: location.provider, problems };
      // Every intact copy holds the same tables, so another copy cannot fit the schema better.
      if ('schemaProblems' in check) return { valid: false, provider: null, problems: check.schemaProblems };
      problems.push(check.problem);
    }
    if (provider && this.copiesToTry(backup).length > 1) problems.push('other providers hold copies: omit provider to fall back to them');
    return { valid: false, provider: null, problems };
  }

  /** Stored copies at configured providers, in STORAGE_PROVIDERS order (primary first), or only the requested one. */
  copiesToTry(backup: BackupRecord, provider?: ProviderName): BackupLocation[] {
    const order = this.storage.names;
    return backup.locations
      .getItems()
      .filter((l) => l.status === LocationStatus.STORED && order.includes(l.provider) && (!provider || l.provider === provider))
      .sort((a, b) => order.indexOf(a.provider) - order.indexOf(b.provider));
  }

  private async checkCopy(backup: BackupRecord, location: BackupLocation, graph: TenantGraph): Promise<CopyCheck> {
    const name = location.provider;
    let stored: Readable;
    try {
      stored = await this.storage.require(name).get(location.key);
    } catch (error) {
      return { ok: false, problem: error instanceof ObjectNotFoundError ? `${name}: the object ${location.key} is missing` : `${name}: could not be read: ${(error as Error).message}` };
    }
    const plain = unsealStream(stored, this.keyRing, { kind: 'tenant', tenantId: backup.tenantId! });
    try {
      for await (const entry of readArchive(plain.stream)) {
        if (entry.kind === 'manifest') {
          const schemaProblems = checkSchemaCompatibility(entry.manifest.tables, graph);
          if (schemaProblems.length > 0) return { ok: false, schemaProblems: schemaProblems.map((p) => `schema incompatible: ${p}`) };
        } else if (entry.kind === 'table') {
          for await (const _ of entry.data); // readArchive checks each table against the summary
        }
      }
      const sha256 = plain.storedSha256();
      if (sha256 !== backup.sha256) throw new ArchiveError('ARCHIVE.CONTENT_MISMATCH', `sha256 of the stored object is ${sha256}, the catalog recorded ${backup.sha256}`);
      return { ok: true };
    } catch (error) {
      return { ok: false, problem: this.describeFailure(backup, name, error as Error) };
    } finally {
      plain.stream.destroy();
    }
  }

  /** Damaged bytes are an integrity failure (alerted); a missing key or a dropped connection is not. */
  private describeFailure(backup: BackupRecord, provider: ProviderName, error: Error): string {
    if (error instanceof CryptoError && error.code === 'CRYPTO.KEY_NOT_FOUND') return `${provider}: not decryptable: ${error.message}`;
    if (error instanceof CryptoError || error instanceof ArchiveError) {
      this.events.emit({ type: 'integrity.failure', backupId: backup.id, backupType: backup.type, tenantId: backup.tenantId, provider, reason: error.message });
      return `${provider}: integrity check failed: ${error.message}`;
    }
    return `${provider}: could not be read: ${error.message}`;
  }

  /** How tables read from elsewhere (a point in time) would not fit the platform's current schema; empty when they fit. */
  async schemaProblems(tables: ManifestTable[]): Promise<string[]> {
    return checkSchemaCompatibility(tables, await this.currentGraph()).map((p) => `schema incompatible: ${p}`);
  }

  private async currentGraph(): Promise<TenantGraph> {
    const client = new Client({ connectionString: this.platform.connectionString, application_name: 'tenantvault-restore-validation' });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await discoverTenantGraph(client, this.config.tenancy);
    } finally {
      await client.end();
    }
  }
}
