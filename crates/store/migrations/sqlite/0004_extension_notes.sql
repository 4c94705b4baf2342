-- Deadline extensions: the office's note with its decision, and at most one request pending per
-- entry (a second one while the first waits would leave the office two answers to give).
ALTER TABLE extensions ADD COLUMN note TEXT;
CREATE UNIQUE INDEX extensions_one_pending ON extensions (entry_id) WHERE state = 'pending';
CREATE INDEX comments_by_report_at ON comments (report_id, at);
DROP INDEX comments_by_report;
