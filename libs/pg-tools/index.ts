/** PostgreSQL from the outside: connections as explicit fields, pg_dump / pg_restore streams, and catalog inspection. */
export { canonicalTarget, CONFIG_URL_PARAMS, describePg, libpqEnv, parsePgUrl, pgClientConfig, sameDatabase, TARGET_URL_PARAMS } from './pg-connection';
export type { ParsedPgUrl, PgConnection } from './pg-connection';
export { countRowsInSnapshot, inspectSource, inspectTarget } from './pg-inspection';
export type { CountedSnapshot, SourceInfo, TargetInfo } from './pg-inspection';
export { conninfoValue, defaultToolDirs, locatePgTool, majorOf, pgDumpStream, redactSecrets, runPgRestore } from './pg-tools';
export type { PgTool, PgToolName } from './pg-tools';
export { PostgresToolError } from './pg-tools.errors';
export type { PostgresToolErrorCode } from './pg-tools.errors';
