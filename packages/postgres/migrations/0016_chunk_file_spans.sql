-- Chunk links as spans of generations (as files since 0015): `chunk_files` held one link per file
-- per snapshot, so every one-file re-index copied the repository's 10k links (0.16-0.22 s of
-- PostgreSQL time per run at 60 MB on a server). `chunk_snapshot_gens` numbers each snapshot of
-- a repository; a `chunk_file_spans` row is the link a path has in every generation of
-- [from_gen, to_gen), 2147483647 meaning "until replaced". `chunk_files` becomes a view with the
-- columns it had, so reads do not change; the chunk store writes through SnapshotSpans.
CREATE TABLE IF NOT EXISTS chunk_snapshot_gens (
  repo_id     text NOT NULL,
  snapshot_id text NOT NULL,
  gen         integer NOT NULL,
  PRIMARY KEY (repo_id, snapshot_id),
  UNIQUE (repo_id, gen)
);
CREATE TABLE IF NOT EXISTS chunk_file_spans (
  repo_id     text NOT NULL,
  file_path   text NOT NULL,
  stored_in   text NOT NULL,
  chunk_count integer NOT NULL DEFAULT 0,
  from_gen    integer NOT NULL,
  to_gen      integer NOT NULL DEFAULT 2147483647,
  PRIMARY KEY (repo_id, file_path, from_gen)
);
-- Who else reads a file's rows (copy on write, purge).
CREATE INDEX IF NOT EXISTS chunk_file_spans_stored_idx ON chunk_file_spans (repo_id, stored_in, file_path);
CREATE INDEX IF NOT EXISTS chunk_file_spans_closed_idx ON chunk_file_spans (repo_id, to_gen) WHERE to_gen < 2147483647;

-- Existing snapshots keep their links: generations in the order the snapshots finished, each
-- snapshot's links a span of its own generation; the newest one's spans stay open.
INSERT INTO chunk_snapshot_gens (repo_id, snapshot_id, gen)
SELECT l.repo_id, l.snapshot_id, row_number() OVER (PARTITION BY l.repo_id ORDER BY s.finished_at NULLS FIRST, l.snapshot_id)
FROM (SELECT DISTINCT repo_id, snapshot_id FROM chunk_files) l
LEFT JOIN snapshots s ON s.repo_id = l.repo_id AND s.snapshot_id = l.snapshot_id;
INSERT INTO chunk_file_spans (repo_id, file_path, stored_in, chunk_count, from_gen, to_gen)
SELECT l.repo_id, l.file_path, l.stored_in, l.chunk_count, g.gen,
       CASE WHEN g.gen = (SELECT max(h.gen) FROM chunk_snapshot_gens h WHERE h.repo_id = g.repo_id) THEN 2147483647 ELSE g.gen + 1 END
FROM chunk_files l JOIN chunk_snapshot_gens g USING (repo_id, snapshot_id);

DROP TABLE chunk_files;
CREATE VIEW chunk_files AS
SELECT g.repo_id, g.snapshot_id, m.file_path, m.stored_in, m.chunk_count
FROM chunk_snapshot_gens g
JOIN chunk_file_spans m ON m.repo_id = g.repo_id AND m.from_gen <= g.gen AND m.to_gen > g.gen;

-- Statistics for the planner now (as in 0014).
ANALYZE chunk_snapshot_gens;
ANALYZE chunk_file_spans;
