-- As migrations/sqlite/0013_any_table.sql. TEXT rather than JSONB: the details are read back
-- into a table whose bytes are hashed, so they are kept as written.
ALTER TABLE targets ADD COLUMN groups TEXT;
ALTER TABLE entries ADD COLUMN details TEXT;
ALTER TABLE reports ADD COLUMN details TEXT;
ALTER TABLE targets ADD COLUMN predecessor_id BIGINT REFERENCES targets (id) ON DELETE SET NULL;
