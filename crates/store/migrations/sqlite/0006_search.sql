-- 检索: every entry of each round's newest publication, with the terms it is found by
-- (`duban_core::search`: characters and character pairs, since FTS5's own tokenizers cannot
-- match two-character Chinese words). Derived from publications, so it holds nothing that
-- was not published; a correction replaces its round's rows.
CREATE TABLE search_docs (
    id              INTEGER PRIMARY KEY,
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

-- rowid = search_docs.id
CREATE VIRTUAL TABLE search_terms USING fts5 (terms, tokenize = 'unicode61');
