-- A stat cache for scans: when each file of a snapshot last changed on disk as it was hashed (the
-- later of mtime and ctime, in ms), or NULL when unknown or too recent to trust. The next scan
-- of the repository re-uses the stored hash of a file whose size and change time are the same,
-- instead of reading and hashing it again (re-indexing 63 MB with one file changed read and
-- hashed all 10,000 files: 1.7-2.1 s). Existing rows stay NULL: their files are read once more.
ALTER TABLE files ADD COLUMN IF NOT EXISTS modified_ms double precision;
