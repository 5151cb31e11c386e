/** Entry names and JSON documents of a disaster archive (docs/FORMAT.md, "Disaster backup plaintext"). */

export const DISASTER_FORMAT_VERSION = 1;
export const DISASTER_MANIFEST_ENTRY = 'disaster-manifest.json';
export const DUMP_SUMMARY_ENTRY = 'dump-summary.json';
export const MAX_CONFIG_FILES = 999;
export const MAX_DUMP_PARTS = 999_999;

const CONFIG_ENTRY = /^config\/\d{3}-[A-Za-z0-9._-]+$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** One file of the configuration bundle, as listed in the manifest before its bytes. */
export interface DisasterConfigFile {
  /** The path it was read from (DISASTER_CONFIG_PATHS), so an operator knows where it goes back. */
  path: string;
  /** Its tar entry: `config/<nnn>-<basename>`. */
  entry: string;
  bytes: number;
  sha256: string;
}

export interface DisasterManifest {
  formatVersion: typeof DISASTER_FORMAT_VERSION;
  kind: 'disaster';
  backupId: string;
  createdAt: string;
  tenantvault: { version: string; gitCommit: string | null };
  source: { database: string; serverVersion: string; serverVersionNum: number };
  dump: { tool: 'pg_dump'; version: string; format: 'custom'; compression: 'none'; partSize: number };
  configFiles: DisasterConfigFile[];
}

/** Written last, once the dump has streamed past: its exact size and hash. */
export interface DumpSummary {
  bytes: number;
  sha256: string;
  parts: number;
}

/** `config/<nnn>-<basename>` for the 1-based position; bytes outside [A-Za-z0-9._-] become '_'. */
export function configEntryName(position: number, path: string): string {
  const base = path.split(/[\\/]/).filter(Boolean).pop() ?? '';
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_') || 'file';
  return `config/${String(position).padStart(3, '0')}-${safe}`;
}

/** `dump/<pppppp>.part` for the 1-based part number. */
export function dumpPartName(part: number): string {
  return `dump/${String(part).padStart(6, '0')}.part`;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** What is wrong with a parsed manifest, or null. */
export function disasterManifestProblem(value: unknown): string | null {
  const m = value as Partial<DisasterManifest> | null;
  if (!m || typeof m !== 'object') return 'not an object';
  if (m.formatVersion !== DISASTER_FORMAT_VERSION) return `formatVersion must be ${DISASTER_FORMAT_VERSION}`;
  if (m.kind !== 'disaster') return 'kind must be "disaster"';
  if (!isText(m.backupId) || !isText(m.createdAt)) return 'backupId and createdAt are required';
  if (!m.source || !isText(m.source.serverVersion) || !isText(m.source.database)) return 'source must name the database and its server version';
  if (!m.dump || m.dump.format !== 'custom' || !isText(m.dump.version)) return 'dump must describe a pg_dump custom-format stream';
  if (!Array.isArray(m.configFiles) || m.configFiles.length > MAX_CONFIG_FILES) return `configFiles must be an array of at most ${MAX_CONFIG_FILES}`;
  const entries = new Set<string>();
  for (const [i, f] of m.configFiles.entries()) {
    if (!f || !isText(f.path) || !CONFIG_ENTRY.test(f.entry ?? '') || !isCount(f.bytes) || !SHA256.test(f.sha256 ?? '')) return `configFiles[${i}] is malformed`;
    if (entries.has(f.entry)) return `configFiles[${i}] repeats entry ${f.entry}`;
    entries.add(f.entry);
  }
  return null;
}

export function dumpSummaryProblem(value: unknown): string | null {
  const s = value as Partial<DumpSummary> | null;
  if (!s || typeof s !== 'object') return 'not an object';
  if (!isCount(s.bytes) || !isCount(s.parts) || !SHA256.test(s.sha256 ?? '')) return 'bytes, parts and sha256 are required';
  return null;
}
