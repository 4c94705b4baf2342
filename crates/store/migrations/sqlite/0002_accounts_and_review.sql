-- Accounts, sessions and API tokens, login throttling, comments and deadline extensions.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'unit', 'leader')),
    password_hash  TEXT NOT NULL,
    -- For leader accounts: the 市政府领导 name they are.
    leader_name    TEXT,
    created_at     TEXT NOT NULL
);

-- For unit accounts: the 责任单位 they speak for (by name, across governments).
CREATE TABLE user_units (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    unit_name  TEXT    NOT NULL,
    PRIMARY KEY (user_id, unit_name)
);

-- Browser sessions and API bearer tokens. Only a SHA-256 of the secret is stored, so a copy
-- of the database does not let anyone log in.
CREATE TABLE tokens (
    token_sha256  TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('session', 'api')),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX tokens_by_user ON tokens (user_id);

CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    username  TEXT NOT NULL,
    address   TEXT NOT NULL
);
CREATE INDEX login_failures_by_name ON login_failures (username, at);
CREATE INDEX login_failures_by_address ON login_failures (address, at);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    body       TEXT    NOT NULL,
    at         TEXT    NOT NULL
);
CREATE INDEX comments_by_report ON comments (report_id);

CREATE TABLE extensions (
    id            INTEGER PRIMARY KEY,
    entry_id      INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    requested_by  INTEGER NOT NULL REFERENCES users (id),
    new_deadline  TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by    INTEGER REFERENCES users (id),
    requested_at  TEXT    NOT NULL,
    decided_at    TEXT
);
CREATE INDEX extensions_by_entry ON extensions (entry_id);

CREATE INDEX reports_by_round_state ON reports (round_id, state);
