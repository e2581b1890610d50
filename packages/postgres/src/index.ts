export { PostgresStore, type PostgresStoreOptions, type PostgresQueryable, type SqlParams } from './postgres-store.js';
export type { NotificationWatch, NotificationHandler, WatchOptions } from './notifications.js';
export type { PgPoolLike, PgClientLike, PgQueryResultLike } from './pool.js';
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded.js';
export { validateConnectionString, redactConnectionString } from './connection-string.js';
export { toTrawlError } from './pg-errors.js';
export {
  runMigrations,
  migrationStatus,
  loadMigrations,
  ensureSchema,
  ensureLexicalTrigramIndex,
  LEXICAL_TRIGRAM_INDEX,
  defaultMigrationsDir,
  type Migration,
  type MigrationRunResult,
  type MigrationStatusEntry,
  type RunMigrationsOptions,
} from './migrator.js';
export { carryOverSnapshotRows, type CarryOverRows } from './carry-over.js';
export { upsertSnapshotFiles, copySnapshotFiles, removeSnapshotFiles, setSnapshotFileTimes, dropSnapshotFiles, collectFileContents, FILE_SPANS, type FileSpanRow } from './snapshot-files.js';
export { refreshSnapshotStatistics, flushGinPendingLists, vacuumSnapshotTables, checkpointIfWalOver } from './snapshot-statistics.js';
export { FileVersionMembership, fileVersions, type FileVersion } from './file-versions.js';
export { LEXICAL_WINDOW_CHARS, lexicalSegments, type LexicalSegment } from './lexical-segments.js';
export { SnapshotSpans, OPEN_GEN, type SnapshotSpanTables, type SpanRow } from './snapshot-spans.js';
