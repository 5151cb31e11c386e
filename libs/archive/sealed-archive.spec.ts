import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { createDecryptStream, EnvelopeHeader, KeyRing } from '../crypto';
import { sealStream, unsealStream } from './sealed-archive';

const ring = KeyRing.fromBase64(randomBytes(32).toString('base64'));
const TENANT = '11111111-1111-4111-8111-111111111111';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function opened(stored: Buffer): Promise<{ plain: Buffer; header: EnvelopeHeader }> {
  const decrypt = createDecryptStream(ring, { kind: 'tenant', tenantId: TENANT });
  let header: EnvelopeHeader | undefined;
  decrypt.once('header', (h: EnvelopeHeader) => (header = h));
  const plain = await bytesOf(Readable.from([stored]).pipe(decrypt));
  return { plain, header: header! };
}

describe('sealStream / unsealStream', () => {
  it('gzips, then encrypts, and measures each stage', async () => {
    const plaintext = Buffer.from('row\n'.repeat(50_000));
    const sealed = sealStream(Readable.from([plaintext]), ring, { kind: 'tenant', tenantId: TENANT });
    const stored = await bytesOf(sealed.stream);
    const { plain, header } = await opened(stored);
    expect(header.compression).toBe('gzip');
    expect(gunzipSync(plain).equals(plaintext)).toBe(true);
    expect(sealed.stats()).toEqual({ rawBytes: plaintext.length, compressedBytes: plain.length, storedBytes: stored.length, sha256: createHash('sha256').update(stored).digest('hex') });
    expect((await bytesOf(unsealStream(Readable.from([stored]), ring).stream)).equals(plaintext)).toBe(true);
  });

  it('with compression none, encrypts the plaintext as it is (a zip), and unseals it as it is', async () => {
    const zip = randomBytes(300_000);
    const sealed = sealStream(Readable.from([zip.subarray(0, 1000), zip.subarray(1000)]), ring, { kind: 'tenant', tenantId: TENANT }, { compression: 'none' });
    const stored = await bytesOf(sealed.stream);
    const { plain, header } = await opened(stored);
    expect(header).toMatchObject({ context: `tenant:${TENANT}`, compression: 'none' });
    expect(plain.equals(zip)).toBe(true);
    expect(sealed.stats()).toMatchObject({ rawBytes: zip.length, compressedBytes: zip.length, storedBytes: stored.length });
    expect((await bytesOf(unsealStream(Readable.from([stored]), ring).stream)).equals(zip)).toBe(true);
  });

  it('fails with the error of the plaintext that stopped', async () => {
    const broken = new Readable({ read() { this.destroy(new Error('the export stopped')); } });
    await expect(bytesOf(sealStream(broken, ring, { kind: 'platform' }, { compression: 'none' }).stream)).rejects.toThrow('the export stopped');
  });
});
