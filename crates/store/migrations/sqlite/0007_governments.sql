-- Several governments in one deployment. A government is registered with its name (as its
-- tables print it, the key plans, units and leaders already use) and a short id for URLs.
-- Governments that already hold plans are registered by the store when it opens: their slug
-- needs the pinyin reading of the name, which SQL does not have.
CREATE TABLE governments (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

-- Each government's publications form their own chain: a publication links to the previous one
-- of its government. chain_position stays one order over all (unique, so two publishes racing
-- cannot both take a place); the government is kept on the row so the head of its chain is an
-- index lookup.
ALTER TABLE publications ADD COLUMN government TEXT;
UPDATE publications SET government = (
    SELECT pl.government FROM rounds r JOIN plans pl ON pl.id = r.plan_id
    WHERE r.id = publications.round_id
);
CREATE INDEX publications_by_government ON publications (government, chain_position);

-- Publications made before this migration were linked in one chain over all governments; they
-- verify by that rule, later ones by their government's chain. No row: there were none.
CREATE TABLE chain_legacy (last_position INTEGER NOT NULL);
INSERT INTO chain_legacy
    SELECT chain_position FROM publications ORDER BY chain_position DESC LIMIT 1;

-- An account belongs to a government (by name); NULL is a platform account, acting on all.
ALTER TABLE users ADD COLUMN government TEXT;

-- Which government an audit record concerns; NULL for what concerns none (logins, accounts of
-- the platform) and for records written before this migration.
ALTER TABLE audit_log ADD COLUMN government TEXT;
CREATE INDEX audit_log_by_government ON audit_log (government, id);
