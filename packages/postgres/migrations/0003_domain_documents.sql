-- Documentation and domain text (Markdown/RST sections, docstrings, leading comments)
-- for ranked full-text search.
CREATE TABLE IF NOT EXISTS domain_documents (
  repo_id      text NOT NULL,
  snapshot_id  text NOT NULL,
  doc_id       text NOT NULL,
  source       text NOT NULL CHECK (source IN ('doc', 'docstring', 'comment')),
  file_path    text NOT NULL,
  start_line   integer NOT NULL,
  end_line     integer NOT NULL,
  title        text NOT NULL,
  -- headings above this section, joined with ' > '
  heading_path text NOT NULL DEFAULT '',
  body         text NOT NULL,
  chunk_id     text,
  -- 'simple' keeps identifiers intact (no stemming, no stop words); title weighs over body.
  tsv          tsvector GENERATED ALWAYS AS (
                 setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
                 setweight(to_tsvector('simple', heading_path), 'B') ||
                 setweight(to_tsvector('english', coalesce(body, '')), 'C') ||
                 setweight(to_tsvector('simple', coalesce(body, '')), 'D')
               ) STORED,
  PRIMARY KEY (repo_id, snapshot_id, doc_id)
);
CREATE INDEX IF NOT EXISTS domain_documents_tsv_idx ON domain_documents USING gin (tsv);
CREATE INDEX IF NOT EXISTS domain_documents_snapshot_idx ON domain_documents (repo_id, snapshot_id);
