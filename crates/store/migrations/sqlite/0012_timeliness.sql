-- Timeliness, frozen into the publications of rounds collected here (issue #13 part 3): when
-- the unit last submitted a report, and how many times a reviewer returned it.
ALTER TABLE reports ADD COLUMN submitted_at TEXT;
ALTER TABLE reports ADD COLUMN returned_count INTEGER NOT NULL DEFAULT 0;
