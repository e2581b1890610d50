-- Snapshot membership of fuzzy identifiers and domain documents as spans of generations, instead
-- of one row per snapshot per file. Each snapshot of a repository gets a generation number
-- (`*_snapshot_gens`); a span row says that a file version (path, content hash) belongs to every
-- snapshot whose generation is in [from_gen, to_gen), to_gen 2147483647 meaning "until replaced".
-- A one-file re-index built on the newest snapshot closes the replaced file's span and opens one
-- for its new version: two rows, where the old membership copied one row per file of the
-- repository (10k rows per index and run: 0.1-0.3 s each on PGlite, ~0.15 s of PostgreSQL time
-- on a server at 60 MB). `fuzzy_identifiers` and `domain_documents` keep their columns: reads do
-- not change.
CREATE TABLE IF NOT EXISTS fuzzy_snapshot_gens (
  repo_id     text NOT NULL,
  snapshot_id text NOT NULL,
  gen         integer NOT NULL,
  PRIMARY KEY (repo_id, snapshot_id),
  UNIQUE (repo_id, gen)
);
CREATE TABLE IF NOT EXISTS fuzzy_file_spans (
  repo_id      text NOT NULL,
  file_path    text NOT NULL,
  content_hash text NOT NULL,
  from_gen     integer NOT NULL,
  to_gen       integer NOT NULL DEFAULT 2147483647,
  PRIMARY KEY (repo_id, file_path, content_hash, from_gen)
);
-- Closed spans: few, and what dropping a snapshot looks at.
CREATE INDEX IF NOT EXISTS fuzzy_file_spans_closed_idx ON fuzzy_file_spans (repo_id, to_gen) WHERE to_gen < 2147483647;

CREATE TABLE IF NOT EXISTS domain_snapshot_gens (
  repo_id     text NOT NULL,
  snapshot_id text NOT NULL,
  gen         integer NOT NULL,
  PRIMARY KEY (repo_id, snapshot_id),
  UNIQUE (repo_id, gen)
);
CREATE TABLE IF NOT EXISTS domain_file_spans (
  repo_id      text NOT NULL,
  file_path    text NOT NULL,
  content_hash text NOT NULL,
  from_gen     integer NOT NULL,
  to_gen       integer NOT NULL DEFAULT 2147483647,
  PRIMARY KEY (repo_id, file_path, content_hash, from_gen)
);
CREATE INDEX IF NOT EXISTS domain_file_spans_closed_idx ON domain_file_spans (repo_id, to_gen) WHERE to_gen < 2147483647;

-- Existing snapshots keep their membership: generations in the order the snapshots finished, each
-- snapshot's rows a span of its own generation; the newest one's spans stay open, so the next
-- run built on it is a delta already.
INSERT INTO fuzzy_snapshot_gens (repo_id, snapshot_id, gen)
SELECT m.repo_id, m.snapshot_id, row_number() OVER (PARTITION BY m.repo_id ORDER BY s.finished_at NULLS FIRST, m.snapshot_id)
FROM (SELECT DISTINCT repo_id, snapshot_id FROM fuzzy_snapshot_files) m
LEFT JOIN snapshots s ON s.repo_id = m.repo_id AND s.snapshot_id = m.snapshot_id;
INSERT INTO fuzzy_file_spans (repo_id, file_path, content_hash, from_gen, to_gen)
SELECT m.repo_id, m.file_path, m.content_hash, g.gen,
       CASE WHEN g.gen = (SELECT max(h.gen) FROM fuzzy_snapshot_gens h WHERE h.repo_id = g.repo_id) THEN 2147483647 ELSE g.gen + 1 END
FROM fuzzy_snapshot_files m JOIN fuzzy_snapshot_gens g USING (repo_id, snapshot_id);

INSERT INTO domain_snapshot_gens (repo_id, snapshot_id, gen)
SELECT m.repo_id, m.snapshot_id, row_number() OVER (PARTITION BY m.repo_id ORDER BY s.finished_at NULLS FIRST, m.snapshot_id)
FROM (SELECT DISTINCT repo_id, snapshot_id FROM domain_snapshot_files) m
LEFT JOIN snapshots s ON s.repo_id = m.repo_id AND s.snapshot_id = m.snapshot_id;
INSERT INTO domain_file_spans (repo_id, file_path, content_hash, from_gen, to_gen)
SELECT m.repo_id, m.file_path, m.content_hash, g.gen,
       CASE WHEN g.gen = (SELECT max(h.gen) FROM domain_snapshot_gens h WHERE h.repo_id = g.repo_id) THEN 2147483647 ELSE g.gen + 1 END
FROM domain_snapshot_files m JOIN domain_snapshot_gens g USING (repo_id, snapshot_id);

DROP VIEW IF EXISTS fuzzy_identifiers;
DROP TABLE fuzzy_snapshot_files;
CREATE VIEW fuzzy_identifiers AS
SELECT g.repo_id, g.snapshot_id, r.identifier, r.normalized, r.words, r.kind, r.fqn, r.chunk_id, r.symbol_id, r.file_path, r.line, r.end_line
FROM fuzzy_snapshot_gens g
JOIN fuzzy_file_spans m ON m.repo_id = g.repo_id AND m.from_gen <= g.gen AND m.to_gen > g.gen
JOIN fuzzy_file_identifiers r ON r.repo_id = m.repo_id AND r.file_path = m.file_path AND r.content_hash = m.content_hash;

DROP VIEW IF EXISTS domain_documents;
DROP TABLE domain_snapshot_files;
CREATE VIEW domain_documents AS
SELECT g.repo_id, g.snapshot_id, r.doc_id, r.source, r.file_path, r.start_line, r.end_line, r.title, r.heading_path, r.body, r.terms,
       r.chunk_id, r.kind, r.mapping, r.tsv
FROM domain_snapshot_gens g
JOIN domain_file_spans m ON m.repo_id = g.repo_id AND m.from_gen <= g.gen AND m.to_gen > g.gen
JOIN domain_file_documents r ON r.repo_id = m.repo_id AND r.file_path = m.file_path AND r.content_hash = m.content_hash;

-- Statistics for the planner now: PGlite never analyzes on its own, and no snapshot written
-- before this migration will be finished again to trigger it.
ANALYZE fuzzy_snapshot_gens;
ANALYZE fuzzy_file_spans;
ANALYZE domain_snapshot_gens;
ANALYZE domain_file_spans;
