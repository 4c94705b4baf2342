-- Files uploaded for import, held between the preview and the office's confirmation.
CREATE TABLE uploads (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name   TEXT    NOT NULL,
    options     TEXT    NOT NULL,
    bytes       BLOB    NOT NULL,
    created_at  TEXT    NOT NULL
);
