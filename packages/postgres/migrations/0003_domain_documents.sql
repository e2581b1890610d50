-- Documentation and domain text for ranked full-text search (@trawl/index-domain): sections of
-- Markdown / reStructuredText / text files split at headings, and the docstrings and leading
-- comments of chunks.
CREATE TABLE IF NOT EXISTS domain_documents (
  repo_id      text NOT NULL,
  snapshot_id  text NOT NULL,
  -- <file>#L<start> for sections, docstring:<chunk id> for docstrings
  doc_id       text NOT NULL,
  source       text NOT NULL CHECK (source IN ('doc', 'docstring', 'comment')),
  file_path    text NOT NULL,
  start_line   integer NOT NULL,
  end_line     integer NOT NULL,
  title        text NOT NULL,
  -- headings above this section, joined with ' > ' (the qualified name for docstrings)
  heading_path text NOT NULL DEFAULT '',
  body         text NOT NULL,
  -- identifiers of title and body split into words (createUser -> create user), computed by the index
  terms        text NOT NULL DEFAULT '',
  chunk_id     text,
  kind         text,
  mapping      text NOT NULL DEFAULT 'exact' CHECK (mapping IN ('exact', 'file_fallback', 'unmapped')),
  -- Text-search configuration: every text is indexed twice, 'english' (stemmed, stop words
  -- dropped: "indexing" finds "indexes") and 'simple' (exact lower-case tokens, no stop words
  -- removed), so identifiers in prose such as createUser or pg_trgm stay findable as written.
  -- Queries OR the two configurations. Weights: title A, heading path B, body C, split identifier
  -- words D.
  tsv          tsvector GENERATED ALWAYS AS (
                 setweight(to_tsvector('english', title) || to_tsvector('simple', title), 'A') ||
                 setweight(to_tsvector('english', heading_path) || to_tsvector('simple', heading_path), 'B') ||
                 setweight(to_tsvector('english', body) || to_tsvector('simple', body), 'C') ||
                 setweight(to_tsvector('simple', terms), 'D')
               ) STORED,
  PRIMARY KEY (repo_id, snapshot_id, doc_id)
);
CREATE INDEX IF NOT EXISTS domain_documents_tsv_idx ON domain_documents USING gin (tsv);
