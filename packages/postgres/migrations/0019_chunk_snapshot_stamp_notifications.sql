-- Every change of a snapshot's write stamp (0018) is announced on the channel
-- `trawl_chunk_stamps`, with the payload `["<repo_id>","<snapshot_id>","<new stamp>"]` (JSON; the
-- stamp null when the snapshot's stamp was deleted), so a process that
-- listens (PostgresChunkStore) learns that its copy of the snapshot's chunks is out of date without
-- reading the stamp on every lexical search (a copy read with the new stamp is already current). PostgreSQL sends notifications when the writing
-- transaction commits, and folds identical ones of one transaction into one. A trigger rather than
-- the writers' own NOTIFY: every statement that changes a stamp announces it, whoever runs it.
-- Ids too long for a notification (8000 bytes) are announced as `*`: "any snapshot".
CREATE OR REPLACE FUNCTION trawl_announce_chunk_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  payload text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    payload := json_build_array(OLD.repo_id, OLD.snapshot_id, NULL)::text;
  ELSE
    payload := json_build_array(NEW.repo_id, NEW.snapshot_id, NEW.stamp::text)::text;
  END IF;
  IF octet_length(payload) > 7900 THEN
    payload := '*';
  END IF;
  PERFORM pg_notify('trawl_chunk_stamps', payload);
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS chunk_snapshot_stamps_announce ON chunk_snapshot_stamps;
CREATE TRIGGER chunk_snapshot_stamps_announce
  AFTER INSERT OR UPDATE OR DELETE ON chunk_snapshot_stamps
  FOR EACH ROW EXECUTE FUNCTION trawl_announce_chunk_stamp();
