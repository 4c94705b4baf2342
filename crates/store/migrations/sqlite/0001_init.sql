-- duban's first schema (SQLite). Text timestamps are RFC 3339 in UTC, so they sort as strings
-- and read the same on every backend.

CREATE TABLE plans (
    id              INTEGER PRIMARY KEY,
    government      TEXT    NOT NULL,
    year            INTEGER NOT NULL,
    declared_total  INTEGER,
    UNIQUE (government, year)
);

CREATE TABLE targets (
    id        INTEGER PRIMARY KEY,
    plan_id   INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    no        INTEGER NOT NULL CHECK (no > 0),
    content   TEXT    NOT NULL,
    deadline  TEXT    NOT NULL,
    UNIQUE (plan_id, no)
);

-- Names are per government: two cities both have a 市财政局.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    government  TEXT NOT NULL,
    name        TEXT NOT NULL,
    UNIQUE (government, name)
);

CREATE TABLE leaders (
    id          INTEGER PRIMARY KEY,
    government  TEXT NOT NULL,
    name        TEXT NOT NULL,
    UNIQUE (government, name)
);

CREATE TABLE entries (
    id         INTEGER PRIMARY KEY,
    target_id  INTEGER NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL CHECK (position >= 0),
    UNIQUE (target_id, position)
);

-- position 0 is the lead unit (牵头单位).
CREATE TABLE entry_units (
    entry_id  INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    unit_id   INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (entry_id, position)
);
CREATE INDEX entry_units_by_unit ON entry_units (unit_id);

CREATE TABLE entry_leaders (
    entry_id   INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    leader_id  INTEGER NOT NULL REFERENCES leaders (id),
    PRIMARY KEY (entry_id, position)
);
CREATE INDEX entry_leaders_by_leader ON entry_leaders (leader_id);

CREATE TABLE rounds (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    period      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    intro       TEXT,
    state       TEXT    NOT NULL CHECK (state IN ('open', 'closed', 'published')),
    due         TEXT,
    created_at  TEXT    NOT NULL,
    UNIQUE (plan_id, period)
);

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    entry_id       INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    progress       TEXT    NOT NULL DEFAULT '',
    on_schedule    INTEGER CHECK (on_schedule IN (0, 1)),
    state          TEXT    NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    return_reason  TEXT,
    late           INTEGER NOT NULL DEFAULT 0,
    version        INTEGER NOT NULL DEFAULT 1,
    updated_at     TEXT    NOT NULL,
    UNIQUE (round_id, entry_id)
);
CREATE INDEX reports_by_entry ON reports (entry_id);

-- A publication is frozen: content is the table JSON exactly as served. Publications form one
-- chain per database: chain_position is unique, so two publishes racing cannot fork it.
CREATE TABLE publications (
    id               INTEGER PRIMARY KEY,
    round_id         INTEGER NOT NULL REFERENCES rounds (id),
    period           TEXT    NOT NULL,
    chain_position   INTEGER NOT NULL UNIQUE,
    sha256           TEXT    NOT NULL UNIQUE,
    content_sha256   TEXT    NOT NULL,
    previous_sha256  TEXT,
    published_at     TEXT    NOT NULL,
    supersedes       INTEGER REFERENCES publications (id),
    content          TEXT    NOT NULL
);
CREATE INDEX publications_by_period ON publications (period, id);
CREATE INDEX publications_by_round ON publications (round_id, id);

-- Append-only: who changed what, when, from what to what.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    before   TEXT,
    after    TEXT
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TRIGGER publications_frozen BEFORE UPDATE OF content, sha256, content_sha256, previous_sha256, published_at, chain_position ON publications
BEGIN SELECT RAISE(ABORT, 'a publication is immutable'); END;
