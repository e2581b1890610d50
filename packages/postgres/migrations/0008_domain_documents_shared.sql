-- Domain documents are stored once per version of a file (repository, path, content hash) and
-- shared by every snapshot that has that version; `domain_snapshot_files` says which versions a
-- snapshot has. A one-file re-index writes that file's documents plus one membership row per
-- file, instead of copying every document of the base (and recomputing its tsvector).
-- `domain_documents` becomes a view with the columns it had, so reads do not change.
CREATE TABLE IF NOT EXISTS domain_file_documents (
  repo_id      text NOT NULL,
  file_path    text NOT NULL,
  -- the file's content hash ('' for documents of a path the snapshot lists no file for)
  content_hash text NOT NULL,
  doc_id       text NOT NULL,
  source       text NOT NULL CHECK (source IN ('doc', 'docstring', 'comment')),
  start_line   integer NOT NULL,
  end_line     integer NOT NULL,
  title        text NOT NULL,
  heading_path text NOT NULL DEFAULT '',
  body         text NOT NULL,
  terms        text NOT NULL DEFAULT '',
  chunk_id     text,
  kind         text,
  mapping      text NOT NULL DEFAULT 'exact' CHECK (mapping IN ('exact', 'file_fallback', 'unmapped')),
  -- as in 0003: 'english' and 'simple' configurations; weights title A, heading path B, body C, identifier words D
  tsv          tsvector GENERATED ALWAYS AS (
                 setweight(to_tsvector('english', title) || to_tsvector('simple', title), 'A') ||
                 setweight(to_tsvector('english', heading_path) || to_tsvector('simple', heading_path), 'B') ||
                 setweight(to_tsvector('english', body) || to_tsvector('simple', body), 'C') ||
                 setweight(to_tsvector('simple', terms), 'D')
               ) STORED,
  PRIMARY KEY (repo_id, file_path, content_hash, doc_id)
);

CREATE TABLE IF NOT EXISTS domain_snapshot_files (
  repo_id      text NOT NULL,
  snapshot_id  text NOT NULL,
  file_path    text NOT NULL,
  content_hash text NOT NULL,
  PRIMARY KEY (repo_id, snapshot_id, file_path)
);
CREATE INDEX IF NOT EXISTS domain_snapshot_files_version_idx ON domain_snapshot_files (repo_id, file_path, content_hash);

-- Existing snapshots keep their documents.
INSERT INTO domain_snapshot_files (repo_id, snapshot_id, file_path, content_hash)
SELECT DISTINCT d.repo_id, d.snapshot_id, d.file_path, COALESCE(f.content_hash, '')
FROM domain_documents d
LEFT JOIN files f ON f.repo_id = d.repo_id AND f.snapshot_id = d.snapshot_id AND f.file_path = d.file_path;

INSERT INTO domain_file_documents (repo_id, file_path, content_hash, doc_id, source, start_line, end_line, title, heading_path, body, terms, chunk_id, kind, mapping)
SELECT m.repo_id, m.file_path, m.content_hash, d.doc_id, d.source, d.start_line, d.end_line, d.title, d.heading_path, d.body, d.terms, d.chunk_id, d.kind, d.mapping
FROM domain_documents d
JOIN domain_snapshot_files m ON m.repo_id = d.repo_id AND m.snapshot_id = d.snapshot_id AND m.file_path = d.file_path
ON CONFLICT DO NOTHING;

DROP TABLE domain_documents;

CREATE VIEW domain_documents AS
SELECT m.repo_id, m.snapshot_id, r.doc_id, r.source, r.file_path, r.start_line, r.end_line, r.title, r.heading_path, r.body, r.terms,
       r.chunk_id, r.kind, r.mapping, r.tsv
FROM domain_snapshot_files m
JOIN domain_file_documents r ON r.repo_id = m.repo_id AND r.file_path = m.file_path AND r.content_hash = m.content_hash;

CREATE INDEX IF NOT EXISTS domain_file_documents_tsv_idx ON domain_file_documents USING gin (tsv);
