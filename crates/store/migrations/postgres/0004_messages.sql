-- As migrations/sqlite/0009_messages.sql.
-- 群众监督: citizens' messages on targets, held for the office to publish (with a reply) or
-- reject. A message names its target as published (government, year, number), not a plan row,
-- so re-importing or editing the plan never loses one. `contact` and `address` are never shown
-- to the public; `address` only counts how many messages one address sent lately.
CREATE TABLE messages (
    id          BIGSERIAL PRIMARY KEY,
    government  TEXT    NOT NULL,
    year        BIGINT  NOT NULL,
    target_no   BIGINT  NOT NULL,
    body        TEXT    NOT NULL,
    name        TEXT,
    contact     TEXT,
    address     TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'published', 'rejected')),
    reply       TEXT,
    note        TEXT,
    created_at  TEXT    NOT NULL,
    decided_at  TEXT,
    decided_by  TEXT
);
CREATE INDEX messages_by_target ON messages (government, year, target_no, state, id);
CREATE INDEX messages_by_state ON messages (state, id);
CREATE INDEX messages_by_address ON messages (address, created_at);
