-- As migrations/sqlite/0011_mail_and_accounts.sql.
-- Contacts and the office's hold on accounts (issue #15 parts 4 and 5), and the outgoing mail
-- queue (催办).

-- An account's e-mail address: reminders to a unit go to the accounts that speak for it.
ALTER TABLE users ADD COLUMN email TEXT;
-- Set when the office disables the account: it cannot log in and its tokens are gone.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
-- Set when the office resets the password: the next login must choose a new one.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

-- Outgoing mail, kept in the database so that it survives a restart and several instances
-- share one queue. `mail_key` names what the mail is about ("opened:GOV:2023Q4:user 7"), so
-- the same reminder is queued once however many instances plan it. A sender leases a row
-- (`leased_until`) while it talks to the SMTP server, so no other instance sends it meanwhile.
CREATE TABLE mail (
    id               BIGSERIAL PRIMARY KEY,
    mail_key         TEXT    NOT NULL UNIQUE,
    government       TEXT,
    kind             TEXT    NOT NULL,
    recipient        TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    leased_until     TEXT,
    last_error       TEXT,
    created_at       TEXT    NOT NULL,
    sent_at          TEXT
);
CREATE INDEX mail_due ON mail (state, next_attempt_at);
CREATE INDEX mail_by_government ON mail (government, id);
