/** The plaintext of a tenant backup: a tar of manifest, COPY data in parts, and summary. See docs/FORMAT.md, "Tenant archive". */
export { ArchiveError } from './archive.errors';
export type { ArchiveErrorCode } from './archive.errors';
export { tableDataDir } from './archive-layout';
export { ARCHIVE_FORMAT_VERSION } from './archive-manifest';
export type { ArchiveManifest, ArchiveSummary, ManifestColumn, ManifestTable, TableSummary } from './archive-manifest';
export { readArchive, readManifest } from './archive-reader';
export type { ArchiveEntry } from './archive-reader';
export { createArchiveStream, DEFAULT_PART_SIZE } from './archive-writer';
export { DEFAULT_BLOCK_SIZE, ParallelGzip } from './parallel-gzip';
export type { ParallelGzipOptions } from './parallel-gzip';
export type { ArchiveStreamOptions, TableInput } from './archive-writer';
export { ByteCounter, Sha256Meter } from './stream-meters';
