-- The trigram index over lexical segments serves one reader: the PostgreSQL lexical backend
-- (@trawl/index-lexical's PostgresLexicalIndex), which now creates it when first used
-- (ensureLexicalTrigramIndex). A database searched through Zoekt never reads it, yet paid for it
-- on every file written: at 60 MB of source, a third of PostgreSQL's CPU time in a full index.
--
-- A database that already holds segments keeps its index: dropping it would make the next
-- search through the PostgreSQL backend wait while it is built again. Drop it by hand if this
-- database is only ever searched through Zoekt:
--   DROP INDEX IF EXISTS lexical_segments_text_trgm_idx;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM lexical_segments) THEN
    DROP INDEX IF EXISTS lexical_segments_text_trgm_idx;
  END IF;
END
$$;
