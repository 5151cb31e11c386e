import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unsealStream } from '../../libs/archive/sealed-archive';
import { KeyRing } from '../../libs/crypto';
import { ProviderName } from '../../libs/storage/storage.port';
import { AppConfig } from '../config';
import { adaptersFromConfig } from '../modules/storage';

export interface DecryptOptions {
  file?: string;
  provider?: ProviderName;
  key?: string;
  out?: string;
}

/**
 * A stored object (local file or object at a provider) → its plaintext (a tar for tenant backups). With --out, the
 * plaintext is written under a temporary name and renamed only once every chunk has authenticated: a damaged
 * object leaves no partial plaintext behind that could be mistaken for a backup.
 */
export async function decryptCommand(config: AppConfig, options: DecryptOptions): Promise<void> {
  const ring = KeyRing.fromBase64(config.encryption.activeKey, config.encryption.retiredKeys);
  const source = await openSource(config, options);
  const plain = unsealStream(source, ring).stream;
  if (!options.out || options.out === '-') {
    await pipeline(plain, process.stdout as Writable);
    return;
  }
  const temporary = join(dirname(options.out), `.${basename(options.out)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await pipeline(plain, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
    await rename(temporary, options.out);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function openSource(config: AppConfig, options: DecryptOptions): Promise<Readable> {
  if (options.file) return createReadStream(options.file);
  if (!options.provider || !options.key) throw new Error('give --file PATH, or --provider NAME with --key OBJECT_KEY');
  const adapter = adaptersFromConfig(config.storage).find((a) => a.name === options.provider);
  if (!adapter) throw new Error(`--provider ${options.provider} is not configured (STORAGE_PROVIDERS=${config.storage.providers.join(',')})`);
  return adapter.get(options.key);
}
