-- How many live (not deleted) chunk rows each link reads. An incremental run counted its chunks by
-- joining its 10k links with their 110k rows twice (carrying files over, then the snapshot's
-- total: ~0.35 s on PGlite at 60 MB); with the count on the link both are sums over the links.
-- The store keeps it exact: rows behind a link change only through the snapshot that owns the
-- link alone (copy on write), and each such write refreshes that link's count.
ALTER TABLE chunk_files ADD COLUMN IF NOT EXISTS chunk_count integer NOT NULL DEFAULT 0;

UPDATE chunk_files l SET chunk_count = c.n
FROM (SELECT repo_id, snapshot_id, file_path, count(*)::int AS n FROM chunks WHERE NOT deleted GROUP BY repo_id, snapshot_id, file_path) c
WHERE c.repo_id = l.repo_id AND c.snapshot_id = l.stored_in AND c.file_path = l.file_path;
