-- Repositories, snapshots (with status), file contents and chunks.
-- A snapshot is searchable only once its status is 'ready'.

CREATE TABLE IF NOT EXISTS repos (
  repo_id     text PRIMARY KEY,
  root_path   text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS snapshots (
  repo_id          text NOT NULL REFERENCES repos(repo_id) ON DELETE CASCADE,
  snapshot_id      text NOT NULL,
  status           text NOT NULL CHECK (status IN ('indexing', 'ready', 'failed')),
  commit_sha       text,
  base_snapshot_id text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  error            text,
  stats            jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (repo_id, snapshot_id)
);
CREATE INDEX IF NOT EXISTS snapshots_ready_idx ON snapshots (repo_id, finished_at DESC) WHERE status = 'ready';

-- File text, stored once per distinct content and shared by every snapshot that has it.
CREATE TABLE IF NOT EXISTS file_contents (
  content_hash text PRIMARY KEY,
  content      text NOT NULL
);

CREATE TABLE IF NOT EXISTS files (
  repo_id      text NOT NULL,
  snapshot_id  text NOT NULL,
  file_path    text NOT NULL,
  content_hash text NOT NULL REFERENCES file_contents(content_hash),
  language     text,
  size_bytes   integer NOT NULL,
  line_count   integer NOT NULL,
  PRIMARY KEY (repo_id, snapshot_id, file_path),
  FOREIGN KEY (repo_id, snapshot_id) REFERENCES snapshots(repo_id, snapshot_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS files_content_hash_idx ON files (content_hash);

-- One row per chunk per snapshot. Chunk ids are content-derived, so the same id in two
-- snapshots is the same text at the same lines.
CREATE TABLE IF NOT EXISTS chunks (
  repo_id             text NOT NULL,
  snapshot_id         text NOT NULL,
  chunk_id            text NOT NULL,
  file_path           text NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('project','module','file','namespace','class','interface','struct','enum','trait','type','function','method','block')),
  name                text NOT NULL,
  fqn                 text NOT NULL,
  start_line          integer NOT NULL CHECK (start_line >= 1),
  end_line            integer NOT NULL,
  content_hash        text NOT NULL,
  parent_id           text,
  child_ids           jsonb NOT NULL DEFAULT '[]'::jsonb,
  language            text,
  symbol_id           text,
  symbol_owner        text,
  visibility          text,
  summary             text,
  importance          real NOT NULL DEFAULT 0,
  attributes          jsonb NOT NULL DEFAULT '{}'::jsonb,
  version             integer NOT NULL DEFAULT 1,
  last_indexed_commit text,
  deleted             boolean NOT NULL DEFAULT false,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, snapshot_id, chunk_id),
  CHECK (end_line >= start_line)
);
-- The four access paths of the original design. The span index leads with the snapshot too,
-- because several snapshots of a repository coexist while a new one is being indexed.
CREATE INDEX IF NOT EXISTS chunks_file_span_idx ON chunks (repo_id, snapshot_id, file_path, start_line, end_line);
CREATE INDEX IF NOT EXISTS chunks_repo_snapshot_idx ON chunks (repo_id, snapshot_id);
CREATE INDEX IF NOT EXISTS chunks_symbol_idx ON chunks (symbol_id) WHERE symbol_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS chunks_content_hash_idx ON chunks (repo_id, file_path, content_hash);
CREATE INDEX IF NOT EXISTS chunks_id_idx ON chunks (chunk_id);
