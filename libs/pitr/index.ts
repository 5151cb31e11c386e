/**
 * Point-in-time recovery engine, framework-free: WAL file names and positions, timeline histories, the WAL archive in
 * the buckets (push, fetch, list, copy), the chain from a base backup to the newest segment, pg_basebackup as a stream,
 * and PostgreSQL servers run on this machine to recover into (docs/PITR.md).
 */
export { PitrError } from './pitr.errors';
export type { PitrErrorCode } from './pitr.errors';
export { formatLsn, parseLsn } from './lsn';
export type { Lsn } from './lsn';
export { assertSegmentSize, historyFileName, isWalFileName, parseWalFileName, segmentFileName, segmentStartLsn } from './wal-names';
export type { WalFileKind, WalFileName } from './wal-names';
export { parseTimelineHistory, timelinePath } from './timeline-history';
export type { TimelineStretch, TimelineSwitch } from './timeline-history';
export { walkChain } from './wal-chain';
export type { ArchivedFile, ChainWalk, WalGap } from './wal-chain';
export { copyWalFile, deleteWalFile, fetchWalFile, listArchivedWal, parseWalSidecar, pushWalFile, readArchivedText, readWalSidecar, WAL_SIDECAR_FORMAT } from './wal-archive';
export type { PushOutcome, WalSidecar } from './wal-archive';
export { pgBaseBackupStream, parseBackupLabel, parseManifestWalRange } from './base-backup';
export type { BaseBackupRange } from './base-backup';
export { BASE_RANGE_FORMAT, baseRangeBody, baseRangeSidecar, parseBaseRange, readBaseRange, recoveryBaseOf } from './base-range';
export type { BaseRangeFacts, BaseRangeSidecar } from './base-range';
export { chooseBase, coverageOf, describeRange, historyFilesNeeded, latestTimeline, recoverableRange } from './recovery-plan';
export type { ArchiveView, BaseCoverage, RecoverableRange, RecoveryBase, RecoveryChoice } from './recovery-plan';
export { confString, recoveryConfBlock, shellQuote, writeRecoveryConfiguration } from './recovery-config';
export type { RecoverySettings } from './recovery-config';
export { assertEmptyDirectory, claimScratch, freePort, locatePgBasebackup, locateServerBinaries, ownedDirectory, postmasterPid, removeScratch, serverUser, stopServer, sweepScratchClusters } from './local-cluster';
export type { OsUser, ServerBinaries } from './local-cluster';
export { recoverToTime } from './recover';
export type { RecoveryOutcome, RecoveryPhase, RecoveryRequest } from './recover';
