-- Chunk rows shared between snapshots, per file. An incremental run used to copy every chunk row
-- of the unchanged files into the new snapshot (110k rows, ~4 s on PGlite at 60 MB); now the new
-- snapshot links each unchanged file to the rows that already hold it.
--
-- chunk_files: which rows a snapshot reads for each of its files. The `chunks` rows of
-- (repo_id, snapshot_id = stored_in, file_path) hold them; `stored_in` is a storage key: the id of
-- the snapshot that wrote them, or that id with a suffix when it had to be a fresh one. A write to
-- a file whose rows other snapshots also read copies them first (copy on write), so what one
-- snapshot reads never changes under another. Rows no link reads any more are deleted when a
-- snapshot is purged.
CREATE TABLE IF NOT EXISTS chunk_files (
  repo_id     text NOT NULL,
  snapshot_id text NOT NULL,
  file_path   text NOT NULL,
  stored_in   text NOT NULL,
  PRIMARY KEY (repo_id, snapshot_id, file_path)
);
-- Who else reads a file's rows (copy on write, purge).
CREATE INDEX IF NOT EXISTS chunk_files_stored_idx ON chunk_files (repo_id, stored_in, file_path);

-- Every existing row is read by the snapshot that wrote it.
INSERT INTO chunk_files (repo_id, snapshot_id, file_path, stored_in)
SELECT DISTINCT repo_id, snapshot_id, file_path, snapshot_id FROM chunks
ON CONFLICT DO NOTHING;
