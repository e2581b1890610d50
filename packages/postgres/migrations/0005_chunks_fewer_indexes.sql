-- Fewer indexes on chunks: every index is paid for by each row an index run writes (a one-file
-- re-index still copies every chunk of the base snapshot into the new one).
-- chunks_repo_snapshot_idx duplicates the primary key's leading columns (repo_id, snapshot_id),
-- which serves the same lookups; no query filters on symbol_id alone, so chunks_symbol_idx
-- was never read.
DROP INDEX IF EXISTS chunks_repo_snapshot_idx;
DROP INDEX IF EXISTS chunks_symbol_idx;
