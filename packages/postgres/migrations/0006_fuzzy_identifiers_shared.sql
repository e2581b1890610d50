-- Fuzzy identifiers are stored once per version of a file (repository, path, content hash) and
-- shared by every snapshot that has that version; `fuzzy_snapshot_files` says which versions a
-- snapshot has. A one-file re-index writes that file's identifiers plus one membership row per
-- file, instead of copying every identifier of the base snapshot (and its trigram index entries).
-- `fuzzy_identifiers` becomes a view with the columns it had, so reads do not change.
CREATE TABLE IF NOT EXISTS fuzzy_file_identifiers (
  repo_id      text NOT NULL,
  file_path    text NOT NULL,
  -- the file's content hash ('' for identifiers of a path the snapshot lists no file for)
  content_hash text NOT NULL,
  identifier   text NOT NULL,
  normalized   text NOT NULL,
  words        text NOT NULL,
  kind         text NOT NULL,
  fqn          text NOT NULL,
  chunk_id     text,
  symbol_id    text,
  line         integer NOT NULL,
  end_line     integer NOT NULL,
  PRIMARY KEY (repo_id, file_path, content_hash, line, identifier)
);

CREATE TABLE IF NOT EXISTS fuzzy_snapshot_files (
  repo_id      text NOT NULL,
  snapshot_id  text NOT NULL,
  file_path    text NOT NULL,
  content_hash text NOT NULL,
  PRIMARY KEY (repo_id, snapshot_id, file_path)
);
-- Is a file version still used by some snapshot (garbage collection after a snapshot goes)?
CREATE INDEX IF NOT EXISTS fuzzy_snapshot_files_version_idx ON fuzzy_snapshot_files (repo_id, file_path, content_hash);

-- Existing snapshots keep their identifiers.
INSERT INTO fuzzy_snapshot_files (repo_id, snapshot_id, file_path, content_hash)
SELECT DISTINCT fi.repo_id, fi.snapshot_id, fi.file_path, COALESCE(f.content_hash, '')
FROM fuzzy_identifiers fi
LEFT JOIN files f ON f.repo_id = fi.repo_id AND f.snapshot_id = fi.snapshot_id AND f.file_path = fi.file_path;

INSERT INTO fuzzy_file_identifiers (repo_id, file_path, content_hash, identifier, normalized, words, kind, fqn, chunk_id, symbol_id, line, end_line)
SELECT m.repo_id, m.file_path, m.content_hash, fi.identifier, fi.normalized, fi.words, fi.kind, fi.fqn, fi.chunk_id, fi.symbol_id, fi.line, fi.end_line
FROM fuzzy_identifiers fi
JOIN fuzzy_snapshot_files m ON m.repo_id = fi.repo_id AND m.snapshot_id = fi.snapshot_id AND m.file_path = fi.file_path
ON CONFLICT DO NOTHING;

DROP TABLE fuzzy_identifiers;

CREATE VIEW fuzzy_identifiers AS
SELECT m.repo_id, m.snapshot_id, r.identifier, r.normalized, r.words, r.kind, r.fqn, r.chunk_id, r.symbol_id, r.file_path, r.line, r.end_line
FROM fuzzy_snapshot_files m
JOIN fuzzy_file_identifiers r ON r.repo_id = m.repo_id AND r.file_path = m.file_path AND r.content_hash = m.content_hash;

-- The trigram index serves `normalized % query`, the pattern index `normalized LIKE 'prefix%'`.
CREATE INDEX IF NOT EXISTS fuzzy_file_identifiers_normalized_trgm_idx ON fuzzy_file_identifiers USING gin (normalized gin_trgm_ops);
CREATE INDEX IF NOT EXISTS fuzzy_file_identifiers_normalized_idx ON fuzzy_file_identifiers (repo_id, normalized text_pattern_ops);
