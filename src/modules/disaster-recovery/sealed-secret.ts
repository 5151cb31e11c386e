import { Readable } from 'node:stream';
import { createDecryptStream, createEncryptStream, KeyRing } from '../../../libs/crypto';
import type { PgConnection } from '../../../libs/pg-tools';

/** A target's connection sealed as an envelope with the platform key (base64), so it can rest in Redis unreadable. */
export async function sealConnection(ring: KeyRing, connection: PgConnection): Promise<string> {
  const plain = Buffer.from(JSON.stringify(connection), 'utf8');
  return (await collect(Readable.from([plain]).pipe(createEncryptStream(ring, { kind: 'platform' }, { compression: 'none' })))).toString('base64');
}

export async function openConnection(ring: KeyRing, sealed: string): Promise<PgConnection> {
  return JSON.parse((await collect(Readable.from([Buffer.from(sealed, 'base64')]).pipe(createDecryptStream(ring, { kind: 'platform' })))).toString('utf8')) as PgConnection;
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
