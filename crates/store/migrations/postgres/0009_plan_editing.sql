-- Plan editing (issue #12 part 4): the office retires a target, or one entry of it, rather than
-- deleting it, because published tables and the audit log still cite it. A retired target gets
-- no report in rounds opened afterwards, and keeps its number: no later target takes it.
ALTER TABLE targets ADD COLUMN retired_at TEXT;
ALTER TABLE entries ADD COLUMN retired_at TEXT;
-- A target's public page links the targets carried over from it: found through this index.
CREATE INDEX targets_by_predecessor ON targets (predecessor_id);
