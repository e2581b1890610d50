-- Identifiers a snapshot defines, for typo-tolerant search with pg_trgm (@trawl/index-fuzzy).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE IF NOT EXISTS fuzzy_identifiers (
  repo_id      text NOT NULL,
  snapshot_id  text NOT NULL,
  -- as written in source: createUser
  identifier   text NOT NULL,
  -- lower-case words joined without separators: createUser, create_user, CreateUser -> createuser
  normalized   text NOT NULL,
  -- lower-case words separated by spaces: create user
  words        text NOT NULL,
  -- symbol kind (function, method, class, ...) or chunk kind (file)
  kind         text NOT NULL,
  fqn          text NOT NULL,
  chunk_id     text,
  symbol_id    text,
  file_path    text NOT NULL,
  line         integer NOT NULL,
  end_line     integer NOT NULL,
  PRIMARY KEY (repo_id, snapshot_id, file_path, line, identifier)
);
-- Every search filters on the snapshot; the trigram index serves `normalized % query`, the
-- pattern index `normalized LIKE 'prefix%'`.
CREATE INDEX IF NOT EXISTS fuzzy_identifiers_normalized_trgm_idx ON fuzzy_identifiers USING gin (normalized gin_trgm_ops);
CREATE INDEX IF NOT EXISTS fuzzy_identifiers_normalized_idx ON fuzzy_identifiers (repo_id, snapshot_id, normalized text_pattern_ops);
