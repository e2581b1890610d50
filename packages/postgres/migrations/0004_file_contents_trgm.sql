-- Trigram index over file text, for the PostgreSQL lexical backend (@trawl/index-lexical):
-- LIKE / ILIKE substring and ~ / ~* regex searches over file_contents use it to find candidate
-- files instead of reading every file.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX IF NOT EXISTS file_contents_content_trgm_idx ON file_contents USING gin (content gin_trgm_ops);
