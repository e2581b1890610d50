-- A snapshot's files as spans of generations (as fuzzy and domain membership since 0014), instead
-- of one `files` row per file per snapshot: every one-file re-index copied the 10k rows of the
-- repository's files, and each copied row checked two foreign keys (0.2-0.45 s of PostgreSQL time
-- per run at 60 MB on a server, more on PGlite). `file_snapshot_gens` numbers each snapshot of a
-- repository; a `file_spans` row is the file a path has in every generation of
-- [from_gen, to_gen), 2147483647 meaning "until replaced". `files` becomes a view with the
-- columns it had, so reads do not change; the stores write through SnapshotSpans.
--
-- The foreign keys go with the table. Rows of a deleted snapshot or repository are deleted by the
-- catalog itself, and file text no file uses any more is collected under an advisory lock that
-- every writer of files holds shared (what the key to `file_contents` guarded).
CREATE TABLE IF NOT EXISTS file_snapshot_gens (
  repo_id     text NOT NULL,
  snapshot_id text NOT NULL,
  gen         integer NOT NULL,
  PRIMARY KEY (repo_id, snapshot_id),
  UNIQUE (repo_id, gen)
);
CREATE TABLE IF NOT EXISTS file_spans (
  repo_id      text NOT NULL,
  file_path    text NOT NULL,
  content_hash text NOT NULL,
  language     text,
  size_bytes   integer NOT NULL,
  line_count   integer NOT NULL,
  modified_ms  double precision,
  from_gen     integer NOT NULL,
  to_gen       integer NOT NULL DEFAULT 2147483647,
  PRIMARY KEY (repo_id, file_path, from_gen)
);
CREATE INDEX IF NOT EXISTS file_spans_content_hash_idx ON file_spans (content_hash);
CREATE INDEX IF NOT EXISTS file_spans_closed_idx ON file_spans (repo_id, to_gen) WHERE to_gen < 2147483647;

-- Existing snapshots keep their files: generations in the order the snapshots finished, each
-- snapshot's files a span of its own generation; the newest one's spans stay open, so the next
-- run built on it is a delta already.
INSERT INTO file_snapshot_gens (repo_id, snapshot_id, gen)
SELECT f.repo_id, f.snapshot_id, row_number() OVER (PARTITION BY f.repo_id ORDER BY s.finished_at NULLS FIRST, f.snapshot_id)
FROM (SELECT DISTINCT repo_id, snapshot_id FROM files) f
LEFT JOIN snapshots s ON s.repo_id = f.repo_id AND s.snapshot_id = f.snapshot_id;
INSERT INTO file_spans (repo_id, file_path, content_hash, language, size_bytes, line_count, modified_ms, from_gen, to_gen)
SELECT f.repo_id, f.file_path, f.content_hash, f.language, f.size_bytes, f.line_count, f.modified_ms, g.gen,
       CASE WHEN g.gen = (SELECT max(h.gen) FROM file_snapshot_gens h WHERE h.repo_id = g.repo_id) THEN 2147483647 ELSE g.gen + 1 END
FROM files f JOIN file_snapshot_gens g USING (repo_id, snapshot_id);

DROP TABLE files;
CREATE VIEW files AS
SELECT g.repo_id, g.snapshot_id, m.file_path, m.content_hash, m.language, m.size_bytes, m.line_count, m.modified_ms
FROM file_snapshot_gens g
JOIN file_spans m ON m.repo_id = g.repo_id AND m.from_gen <= g.gen AND m.to_gen > g.gen;

-- Statistics for the planner now (as in 0014): without them a search joined through `files` was
-- planned as a scan of every file's text (2.7 s instead of ~20 ms at 60 MB on PGlite).
ANALYZE file_snapshot_gens;
ANALYZE file_spans;
