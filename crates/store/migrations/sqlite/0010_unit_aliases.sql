-- The office's own short names for its units (粮食局 for 市发展改革委), beside the built-in ones of
-- `duban_core::aliases`: a search for the alias finds the unit's entries.
CREATE TABLE unit_aliases (
    government  TEXT NOT NULL,
    alias       TEXT NOT NULL,
    unit        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (government, alias, unit)
);
