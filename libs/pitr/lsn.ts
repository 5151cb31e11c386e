import { PitrError } from './pitr.errors';

/**
 * A WAL position (LSN) as PostgreSQL prints it, `<high 32 bits hex>/<low 32 bits hex>` (`0/2000028`), held as a
 * bigint so that positions past 2^53 compare and add exactly.
 */
export type Lsn = bigint;

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export function parseLsn(text: string): Lsn {
  const match = LSN_TEXT.exec(text.trim());
  if (!match) throw new PitrError('PITR.BAD_LSN', `not a WAL position (LSN): ${JSON.stringify(text.slice(0, 40))}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
