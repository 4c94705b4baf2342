-- Restoring a target brings back the entries retired with it, and not one an earlier edit
-- retired. Telling them apart by the moment (retired_at equal to the target's) failed for an
-- edit and a retirement in the same millisecond; the retirement now marks its entries.
ALTER TABLE entries ADD COLUMN retired_with_target INTEGER;
-- Entries already retired with their target were told apart by the moment: mark them so.
UPDATE entries SET retired_with_target = 1
 WHERE retired_at IS NOT NULL
   AND retired_at = (SELECT t.retired_at FROM targets t WHERE t.id = entries.target_id);
