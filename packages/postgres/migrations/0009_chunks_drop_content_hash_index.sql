-- chunks_content_hash_idx (repo_id, file_path, content_hash) served no production query: the one
-- reader, findByContentHash, filters on repo_id and content_hash, which the index cannot seek
-- past file_path (the primary key's repo_id prefix does as well). Every chunk an index run saves
-- or carries over paid for it.
DROP INDEX IF EXISTS chunks_content_hash_idx;
