import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unsealStream } from '../../libs/archive/sealed-archive';
import { KeyRing } from '../../libs/crypto';
import { ProviderName } from '../../libs/storage/storage.port';
import { AppConfig } from '../config';
import { adaptersFromConfig } from '../modules/storage/storage-settings';

export interface DecryptOptions {
  file?: string;
  provider?: ProviderName;
  key?: string;
  out?: string;
}

/** A stored object (local file or object at a provider) → its plaintext (a tar for tenant backups). */
export async function decryptCommand(config: AppConfig, options: DecryptOptions): Promise<void> {
  const ring = KeyRing.fromBase64(config.encryption.activeKey, config.encryption.retiredKeys);
  const source = await openSource(config, options);
  const output: Writable = !options.out || options.out === '-' ? process.stdout : createWriteStream(options.out, { flags: 'wx' });
  await pipeline(unsealStream(source, ring).stream, output);
}

async function openSource(config: AppConfig, options: DecryptOptions): Promise<Readable> {
  if (options.file) return createReadStream(options.file);
  if (!options.provider || !options.key) throw new Error('give --file PATH, or --provider NAME with --key OBJECT_KEY');
  const adapter = adaptersFromConfig(config.storage).find((a) => a.name === options.provider);
  if (!adapter) throw new Error(`provider ${options.provider} is not configured (STORAGE_PROVIDERS=${config.storage.providers.join(',')})`);
  return adapter.get(options.key);
}
