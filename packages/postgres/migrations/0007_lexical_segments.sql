-- File text cut into segments for the PostgreSQL lexical backend (@trawl/index-lexical).
--
-- A trigram index over whole files finds candidate files, and PostgreSQL must then match the
-- pattern against each candidate's entire text: big files hold nearly every trigram, so a search
-- for one identifier re-read ~100 files and 1-2 MB (0.3-0.5 s on PGlite at 50 MB). Indexed in
-- segments of whole lines (about 2,048 characters), the candidates are few and small.
--
-- Lines longer than 4,096 characters (minified code) are cut into windows of 2,304 characters
-- every 2,048, so any match of up to 256 characters lies whole inside one window.
--
-- Segments are keyed by content hash like file_contents: written by a trigger on every insert
-- into file_contents (whoever writes files), removed with them, shared by every snapshot.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE IF NOT EXISTS lexical_segments (
  content_hash text NOT NULL REFERENCES file_contents(content_hash) ON DELETE CASCADE,
  -- 1-based line where the segment starts
  start_line   integer NOT NULL,
  -- 0 for whole lines; the offset of a window inside one long line
  start_column integer NOT NULL,
  text         text NOT NULL,
  PRIMARY KEY (content_hash, start_line, start_column)
);

CREATE OR REPLACE FUNCTION trawl_lexical_segments(content text)
RETURNS TABLE (start_line integer, start_column integer, text text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH lines AS (
    SELECT l.n::integer AS n, l.t,
           sum(length(l.t) + 1) OVER (ORDER BY l.n) - length(l.t) - 1 AS before
    FROM string_to_table(content, E'\n') WITH ORDINALITY AS l(t, n)
  )
  SELECT min(n), 0, string_agg(t, E'\n' ORDER BY n)
  FROM lines
  WHERE length(t) <= 4096
  GROUP BY before / 2048
  UNION ALL
  SELECT n, w.off, substr(t, w.off + 1, 2304)
  FROM lines, generate_series(0, length(t) - 1, 2048) AS w(off)
  WHERE length(t) > 4096
$$;

CREATE OR REPLACE FUNCTION trawl_lexical_segments_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO lexical_segments (content_hash, start_line, start_column, text)
  SELECT c.content_hash, s.start_line, s.start_column, s.text
  FROM new_contents c, trawl_lexical_segments(c.content) s
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS file_contents_lexical_segments ON file_contents;
CREATE TRIGGER file_contents_lexical_segments
  AFTER INSERT ON file_contents
  REFERENCING NEW TABLE AS new_contents
  FOR EACH STATEMENT EXECUTE FUNCTION trawl_lexical_segments_insert();

-- Files stored before this migration.
INSERT INTO lexical_segments (content_hash, start_line, start_column, text)
SELECT c.content_hash, s.start_line, s.start_column, s.text
FROM file_contents c, trawl_lexical_segments(c.content) s
ON CONFLICT DO NOTHING;

CREATE INDEX IF NOT EXISTS lexical_segments_text_trgm_idx ON lexical_segments USING gin (text gin_trgm_ops);

-- The whole-file trigram index is replaced by the segments'.
DROP INDEX IF EXISTS file_contents_content_trgm_idx;
