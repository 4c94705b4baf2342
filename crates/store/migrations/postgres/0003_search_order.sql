-- 检索 in index order (see migrations/sqlite/0008_search_order.sql): each entry gets a key in
-- the order a search lists it (`logic::search::sort_key`), under a b-tree, so a search for a
-- common word walks the key backwards and stops at the limit, while a rare one is still found
-- through the GIN index on its terms; the planner picks by the words' statistics. The key
-- needs the government's id, which older databases get only when the store opens, so the
-- index is emptied here and refilled on opening (`PgStore::backfill_search`).
DELETE FROM search_docs;
ALTER TABLE search_docs ADD COLUMN sort_key BIGINT NOT NULL;
CREATE UNIQUE INDEX search_docs_by_key ON search_docs (sort_key);
