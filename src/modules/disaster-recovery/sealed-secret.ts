import { Readable } from 'node:stream';
import { createDecryptStream, createEncryptStream, KeyRing } from '../../../libs/crypto';

/** A short secret sealed as an envelope with the platform key (base64), so it can rest in Redis unreadable. */
export async function sealSecret(ring: KeyRing, secret: string): Promise<string> {
  return (await collect(Readable.from([Buffer.from(secret, 'utf8')]).pipe(createEncryptStream(ring, { kind: 'platform' }, { compression: 'none' })))).toString('base64');
}

export async function openSecret(ring: KeyRing, sealed: string): Promise<string> {
  return (await collect(Readable.from([Buffer.from(sealed, 'base64')]).pipe(createDecryptStream(ring, { kind: 'platform' })))).toString('utf8');
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
