-- Rounds in period order, for "last round's text": year, then the month the period ends, then
-- month < quarter < half < year — the order of `duban_core::Period` (a store test holds the two
-- together). Generated from `period`, so it can never disagree with it.
ALTER TABLE rounds ADD COLUMN period_rank INTEGER GENERATED ALWAYS AS (
    CAST(substr(period, 1, 4) AS INTEGER) * 1000 + CASE
        WHEN length(period) = 4 THEN 12 * 10 + 3
        WHEN substr(period, 5, 1) = 'Q' THEN CAST(substr(period, 6) AS INTEGER) * 3 * 10 + 1
        WHEN substr(period, 5, 1) = 'H' THEN CAST(substr(period, 6) AS INTEGER) * 6 * 10 + 2
        ELSE CAST(substr(period, 6) AS INTEGER) * 10
    END
) VIRTUAL;
CREATE INDEX rounds_by_plan_rank ON rounds (plan_id, period_rank);
