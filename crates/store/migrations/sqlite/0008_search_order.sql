-- 检索 in index order: a search lists the newest round first, then by target and entry, and
-- must read only as many entries as it shows, not collect every hit and sort it. Each entry
-- gets a key in that order (`logic::search::sort_key`: the round's period_rank, then the
-- target and entry reversed, then the government), and the FTS5 rowid is that key, so FTS5
-- walks a term's entries newest first (`ORDER BY rowid DESC`) and stops at the limit; a
-- period is a range of keys. The key needs the government's id, which older databases get
-- only when the store opens, so the index is emptied here and refilled on opening (as it
-- was first filled: `backfill_search`).
DELETE FROM search_terms;
DROP TABLE search_docs;
CREATE TABLE search_docs (
    id              INTEGER PRIMARY KEY,
    sort_key        INTEGER NOT NULL UNIQUE,
    round_id        INTEGER NOT NULL REFERENCES rounds (id),
    publication_id  INTEGER NOT NULL REFERENCES publications (id),
    government      TEXT    NOT NULL,
    period          TEXT    NOT NULL,
    target_no       INTEGER NOT NULL,
    entry           INTEGER NOT NULL,
    content         TEXT    NOT NULL,
    deadline        TEXT    NOT NULL,
    leaders         TEXT    NOT NULL,  -- JSON array
    units           TEXT    NOT NULL,  -- JSON array
    progress        TEXT    NOT NULL,
    on_schedule     INTEGER
);
CREATE INDEX search_docs_by_round ON search_docs (round_id);
-- From here on, search_terms.rowid = search_docs.sort_key.
