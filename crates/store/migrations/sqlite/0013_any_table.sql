-- Any government's table (issue #12 part 1): what a table carries beyond the seven columns of
-- the 菏泽 一览表, each NULL when the table has none of it, so the rows of earlier imports read
-- back to the same table, byte for byte.
-- targets.groups: the group headings above the target, outermost first, as a JSON array.
ALTER TABLE targets ADD COLUMN groups TEXT;
-- entries.details: {"assisting_units": [...], "leaders_unstated": true} (logic::details).
ALTER TABLE entries ADD COLUMN details TEXT;
-- reports.details: {"progress_percent", "problems", "next_steps", "remarks", "extra",
-- "not_asked"} (logic::details).
ALTER TABLE reports ADD COLUMN details TEXT;
-- targets.predecessor_id: the target of the year before this one was rolled over from
-- (`duban plan rollover`), so a target can be followed across years.
ALTER TABLE targets ADD COLUMN predecessor_id INTEGER REFERENCES targets (id) ON DELETE SET NULL;
